/**
 * File reads shared by the tasks of one worker batch: a photo's exif and xmp tasks travel side by side in a batch
 * (the batcher sorts by path), and the second one finds the head the first one read. One instance lives for one batch
 * only, and keys carry the size and mtime the scan saw, so nothing stale outlives the batch.
 *
 * The batch's tasks run one after another, so one entry is enough, and the first read of each file goes into one
 * scratch buffer the instance owns: at thousands of photos a second, a fresh 64 KiB buffer per read was a steady
 * stream of garbage for the collector. Bytes handed out are therefore valid only until the next get() with another
 * key: a task must not keep them, or views of them, past its own end (outcomes hold strings and numbers only).
 */
/** The first read of a file's metadata (the scratch size): holds the metadata segments of most JPEGs. */
export const METADATA_FIRST_READ = 64 * 1024;

export class SharedReads {
  private readonly scratch: Buffer;
  private last: { key: string; bytes: Buffer } | null = null;

  constructor(scratchBytes: number) {
    this.scratch = Buffer.allocUnsafe(scratchBytes);
  }

  /** The bytes `read` returns for this key, read at most once in a row. Errors are not cached (each caller sees its own). */
  get(key: string, read: (scratch: Buffer) => Buffer): Buffer {
    if (this.last?.key === key) return this.last.bytes;
    // Dropped before reading: a failed read must not leave an entry pointing into overwritten scratch.
    this.last = null;
    const bytes = read(this.scratch);
    this.last = { key, bytes };
    return bytes;
  }
}

/** The cache key of a file's metadata bytes, as the task saw the file. */
export function metadataKey(input: { path: string; size: number; mtimeMs: number }): string {
  return `${input.size}:${input.mtimeMs}:${input.path}`;
}
