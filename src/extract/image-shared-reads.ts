/**
 * File reads shared by the tasks of one worker batch: a photo's exif and xmp tasks usually travel in the same batch,
 * and the second one finds the head the first one read. One instance lives for one batch only, and keys carry the
 * size and mtime the scan saw, so nothing stale outlives the batch.
 */
export class SharedReads {
  private readonly cache = new Map<string, Buffer>();

  /** The bytes `read` returns for this key, read at most once per batch. Errors are not cached (each caller sees its own). */
  get(key: string, read: () => Buffer): Buffer {
    let bytes = this.cache.get(key);
    if (!bytes) {
      bytes = read();
      this.cache.set(key, bytes);
    }
    return bytes;
  }
}

/** The cache key of a file's metadata bytes, as the task saw the file. */
export function metadataKey(input: { path: string; size: number; mtimeMs: number }): string {
  return `${input.size}:${input.mtimeMs}:${input.path}`;
}
