import fs from 'node:fs';
import { Worker } from 'node:worker_threads';

/** Numbers per path in a reply: size, mtimeMs (whole ms), ino, dev, type (1 file, 0 other, -1 error). */
export const FIELDS = 5;

export interface StatRequest {
  id: number;
  /** Folder of every name. */
  dir: string;
  /** Names joined by NUL (never part of a name): one string clones far faster than an array of them. */
  names: string;
  follow: boolean;
}

export interface StatReply {
  id: number;
  values: Float64Array;
  /** errno code by index, for paths whose stat failed. */
  errors: Record<number, string>;
}

/** stat() of one path, as the diff needs it. */
export type PathStat =
  | { ok: true; isFile: boolean; size: number; mtimeMs: number; ino: string; dev: number }
  | { ok: false; code: string };

export class StatBatch {
  constructor(private readonly reply: StatReply) {}

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
  return { id: req.id, values, errors };
}

/** Where a scan's stat() calls run. */
export interface Stater {
  /** stat() of `dir/name` for each name, in order. */
  stat(dir: string, names: readonly string[], follow: boolean): Promise<StatBatch>;
  close(): Promise<void>;
}

/**
 * A worker thread (the default: it overlaps stat with the catalog work on the main thread), or the main thread
 * itself when INDEXER_SCAN_STAT_WORKER=0 (a single-core box, where the hand-off only costs).
 */
export function makeStater(env: NodeJS.ProcessEnv): Stater {
  if (env.INDEXER_SCAN_STAT_WORKER === '0') {
    return {
      stat: async (dir, names, follow) => new StatBatch(statNames({ id: 0, dir, names: names.join('\0'), follow })),
      close: async () => {},
    };
  }
  return new StatWorker();
}

/** One stat worker for a scan; `close()` ends it. */
export class StatWorker implements Stater {
  private readonly worker = new Worker(new URL('./stat-worker.js', import.meta.url));
  private readonly pending = new Map<number, { resolve(b: StatBatch): void; reject(e: unknown): void }>();
  private nextId = 1;

  constructor() {
    this.worker.on('message', (reply: StatReply) => {
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      p?.resolve(new StatBatch(reply));
    });
    const failAll = (err: unknown) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', failAll);
    this.worker.on('exit', (code) => failAll(new Error(`stat worker exited with code ${code}`)));
  }

  stat(dir: string, names: readonly string[], follow: boolean): Promise<StatBatch> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, dir, names: names.join('\0'), follow } satisfies StatRequest);
    });
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}
