import fs from 'node:fs';
import { listingDigest } from './folder-digest.js';

/** Numbers per path in a reply: size, mtimeMs (whole ms), ino, dev, type (1 file, 0 other, -1 error). */
export const FIELDS = 5;

export interface StatRequest {
  /** Folder of every name. */
  dir: string;
  /** Names joined by NUL (never part of a name): one string clones far faster than an array of them. */
  names: string;
  follow: boolean;
  /** The walk's settings hash, folded into the reply's digest (folder-digest.ts). */
  salt: string;
}

export interface StatReply {
  values: Float64Array;
  /** errno code by index, for paths whose stat failed. */
  errors: Record<number, string>;
  /** Digest of the folder's listing (folder-digest.ts): equal to the stored one means nothing in it changed. */
  digest: string;
}

/** stat() of one path, as the diff needs it. */
export type PathStat =
  | { ok: true; isFile: boolean; size: number; mtimeMs: number; ino: string; dev: number }
  | { ok: false; code: string };

export class StatBatch {
  constructor(private readonly reply: StatReply) {}

  /** Whether path i was stat()ed fine and is a regular file; then size/mtimeMs/ino read it without an object. */
  isFile(i: number): boolean {
    return this.reply.values[i * FIELDS + 4] === 1;
  }

  size(i: number): number {
    return this.reply.values[i * FIELDS]!;
  }

  mtimeMs(i: number): number {
    return this.reply.values[i * FIELDS + 1]!;
  }

  /** As text, the way the catalog keeps it (inodes can exceed 2^53). */
  ino(i: number): string {
    return String(this.reply.values[i * FIELDS + 2]);
  }

  /** See StatReply.digest. */
  get digest(): string {
    return this.reply.digest;
  }

  get(i: number): PathStat {
    const v = this.reply.values;
    const at = i * FIELDS;
    if (v[at + 4] === -1) return { ok: false, code: this.reply.errors[i] ?? 'EUNKNOWN' };
    return { ok: true, size: v[at]!, mtimeMs: v[at + 1]!, ino: String(v[at + 2]), dev: v[at + 3]!, isFile: v[at + 4] === 1 };
  }
}

/** stat() of every name of a request; results as one Float64Array (transferable), errors as codes. */
export function statNames(req: StatRequest): StatReply {
  const names = req.names.split('\0');
  const prefix = req.dir === '/' ? '/' : `${req.dir}/`;
  const values = new Float64Array(names.length * FIELDS);
  const errors: Record<number, string> = {};
  for (let i = 0; i < names.length; i++) {
    const at = i * FIELDS;
    try {
      const path = prefix + names[i];
      const st = req.follow ? fs.statSync(path) : fs.lstatSync(path);
      values[at] = st.size;
      values[at + 1] = Math.trunc(st.mtimeMs);
      values[at + 2] = st.ino;
      values[at + 3] = st.dev;
      values[at + 4] = st.isFile() ? 1 : 0;
    } catch (err) {
      values[at + 4] = -1;
      errors[i] = String((err as NodeJS.ErrnoException)?.code ?? (err as Error)?.message ?? err);
    }
  }
  return { values, errors, digest: listingDigest(req.salt, req.names, names.length, values) };
}
