import fs from 'node:fs';
import type { Readable } from 'node:stream';
import fg from 'fast-glob';
import { isSidecar, mediaKind } from './media.js';
import { describeProblem, type ScanProblem } from './problems.js';

/** Media and sidecar names of one folder, as the walk met them (a folder's entries arrive together). */
export interface FolderGroup {
  /** Absolute folder path. */
  dir: string;
  /** Media file names (by extension). */
  media: string[];
  /** `.xmp` names. */
  sidecars: string[];
}

export interface WalkOptions {
  /** Absolute root folder. */
  root: string;
  /** fast-glob ignore patterns relative to the root. */
  ignore: string[];
  /** Include hidden files and folders. */
  hidden: boolean;
  /** Follow symbolic links (folders and files); loops are cut. */
  followSymlinks: boolean;
  signal: AbortSignal;
}

export interface WalkResult {
  /** Folders the walk could not read: their files are neither seen nor deleted this time. */
  problems: ScanProblem[];
  /** False when aborted: nothing may be deleted on the strength of this walk. */
  complete: boolean;
}

/** Buffered media entries above which folder reads pause until the consumer catches up: memory stays flat. */
const HIGH_WATER = 4096;

/**
 * Walks a root with fast-glob, yielding folder groups; `result()` tells afterwards whether the walk was complete.
 * fast-glob's stream ignores backpressure and drops a whole folder on some errors, so its fs adapter is wrapped:
 * `readdir` waits while too much is buffered, records unreadable folders instead of failing, and (when following
 * links) skips a folder already visited, which cuts loops; `stat` falls back to `lstat` so a broken link does not
 * fail its folder.
 */
export function walkRoot(opts: WalkOptions): { groups: AsyncIterable<FolderGroup>; result(): WalkResult } {
  const problems: ScanProblem[] = [];
  const ready: FolderGroup[] = [];
  let current: FolderGroup | null = null;
  let buffered = 0;
  const parked: (() => void)[] = [];
  let wake: (() => void) | null = null;
  let ended = false;
  let failure: unknown = null;
  const visited = new Set<string>();

  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const releaseParked = () => {
    while (buffered < HIGH_WATER && parked.length > 0) parked.shift()!();
  };
  const readdir = (dir: string, options: any, cb: (err: NodeJS.ErrnoException | null, entries: fs.Dirent[]) => void) => {
    const read = () => {
      if (opts.signal.aborted) return cb(null, []);
      fs.readdir(dir, options, (err, entries) => {
        if (err) {
          problems.push(describeProblem('folder', dir, err));
          return cb(null, []);
        }
        cb(null, entries as unknown as fs.Dirent[]);
      });
    };
    const start = () => {
      if (!opts.followSymlinks) return read();
      fs.stat(dir, (err, st) => {
        if (!err) {
          const key = `${st.dev}:${st.ino}`;
          if (visited.has(key)) return cb(null, []);
          visited.add(key);
        }
        read();
      });
    };
    if (buffered < HIGH_WATER) start();
    else parked.push(start);
  };
  const stat = (p: string, cb: (err: NodeJS.ErrnoException | null, st?: fs.Stats) => void) =>
    fs.stat(p, (err, st) => (err ? fs.lstat(p, cb) : cb(null, st)));

  const stream = fg.stream('**', {
    cwd: opts.root,
    absolute: false, // relative entries: joining them ourselves is cheaper than its path.resolve per entry
    onlyFiles: true,
    dot: opts.hidden,
    followSymbolicLinks: opts.followSymlinks,
    unique: false, // its Set of every path seen would grow with the tree
    caseSensitiveMatch: false, // excludes match like extensions do: IMG.JPG and img.jpg alike
    ignore: opts.ignore,
    suppressErrors: false,
    fs: { readdir, stat } as any,
  }) as Readable;

  const rootDir = opts.root.length > 1 ? opts.root.replace(/\/+$/, '') : opts.root;
  const flush = () => {
    if (current) {
      ready.push(current);
      buffered += current.media.length + current.sidecars.length;
      current = null;
      notify(); // only whole folders interest the consumer
    }
  };
  stream.on('data', (entry: string) => {
    const slash = entry.lastIndexOf('/');
    const name = entry.slice(slash + 1);
    const media = mediaKind(name) !== null;
    if (!media && !isSidecar(name)) return;
    const dir = slash < 0 ? rootDir : rootDir === '/' ? `/${entry.slice(0, slash)}` : `${rootDir}/${entry.slice(0, slash)}`;
    if (current && current.dir !== dir) flush();
    current ??= { dir, media: [], sidecars: [] };
    (media ? current.media : current.sidecars).push(name);
  });
  const finish = () => {
    if (ended) return;
    ended = true;
    flush();
    notify();
  };
  stream.once('end', finish);
  stream.once('close', finish);
  stream.once('error', (err) => {
    failure = err;
    finish();
  });
  const onAbort = () => stream.destroy();
  opts.signal.addEventListener('abort', onAbort, { once: true });

  async function* groups(): AsyncGenerator<FolderGroup> {
    try {
      for (;;) {
        if (opts.signal.aborted) return;
        const next = ready.shift();
        if (next) {
          buffered -= next.media.length + next.sidecars.length;
          releaseParked();
          yield next;
          continue;
        }
        if (ended) break;
        // Reads are parked only while `ready` holds HIGH_WATER entries, so waiting here cannot deadlock.
        await new Promise<void>((resolve) => (wake = resolve));
      }
      if (failure) throw failure;
    } finally {
      opts.signal.removeEventListener('abort', onAbort);
      if (!ended) stream.destroy();
    }
  }

  return {
    groups: groups(),
    result: () => ({ problems, complete: ended && !failure && !opts.signal.aborted }),
  };
}
