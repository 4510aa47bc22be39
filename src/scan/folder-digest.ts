/**
 * A folder's digest: one hash over what the walk saw of it (every media and sidecar name with its size, mtime, inode,
 * device and type, in listing order) and over what decided that listing (the root and the walk's settings).
 *
 * When a folder's digest equals the one stored after its rows last matched the disk (folder_digests, see migration
 * 006), every file in it is unchanged and the rescan skips reading its rows. A digest that differs only costs the
 * full diff (a folder listed in another order, say), so the hash need only be exact, not canonical.
 */
import { createHash } from 'node:crypto';

export interface WalkSaltInput {
  rootId: number;
  /** The walk's ignore patterns (defaults, --exclude, nested roots). */
  ignore: readonly string[];
  hidden: boolean;
  followSymlinks: boolean;
}

/** The settings part of every digest of one root's walk: a change of options or root re-checks every folder once. */
export function walkSalt(input: WalkSaltInput): string {
  const { rootId, ignore, hidden, followSymlinks } = input;
  return createHash('sha1').update(JSON.stringify({ rootId, ignore, hidden, followSymlinks })).digest('hex');
}

/**
 * The digest of one folder's listing: `names` NUL-joined, `values` their stat numbers (stat-batch.ts FIELDS per
 * name). The name count goes first so the name bytes and the number bytes cannot trade places.
 */
export function listingDigest(salt: string, names: string, count: number, values: Float64Array): string {
  return createHash('sha1')
    .update(`${salt}\0${count}\0`)
    .update(names)
    .update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength))
    .digest('base64');
}
