import type { Worker } from 'node:worker_threads';
import { listedFromGroup, listedFromThread, type ListedFolder } from './listed-folder.js';
import { StatBatch, statNames } from './stat-batch.js';
import type { Walk, WalkOptions, WalkResult } from './walk.js';
import { takeWalkerThread } from './walker-spawn.js';
import { Control, type FromWalker, type WalkStart } from './walk-protocol.js';

/** One folder, walked and stat()ed, ready to diff. */
export interface WalkedFolder {
  folder: ListedFolder;
  stats: StatBatch;
}

export interface FolderSource {
  folders: AsyncIterable<WalkedFolder>;
  /** After `folders` is exhausted: problems met and whether the walk was complete. */
  result(): WalkResult;
}

export interface FolderWalkOptions extends WalkOptions {
  signal: AbortSignal;
  /** Folded into every folder digest (folder-digest.ts walkSalt). */
  salt: string;
}

/**
 * The walk of one root as a stream of stat()ed folders. By default the walk runs on a worker thread, and the stat()
 * calls are shared between it and this thread (which takes some whenever it would otherwise wait), so they overlap
 * with the catalog work here (on a rescan those are nearly all the time);
 * INDEXER_SCAN_STAT_WORKER=0 keeps everything on the main thread (a single-core box, where the hand-off only costs).
 */
export function walkFolders(opts: FolderWalkOptions, env: NodeJS.ProcessEnv): FolderSource {
  return env.INDEXER_SCAN_STAT_WORKER === '0' ? inline(opts) : threaded(opts);
}

function statFolder(folder: ListedFolder, opts: FolderWalkOptions): StatBatch {
  const req = { dir: folder.dir, names: folder.statNames, follow: opts.followSymlinks, salt: opts.salt };
  return new StatBatch(statNames(req));
}

function inline(opts: FolderWalkOptions): FolderSource {
  let walk: Walk | null = null;
  async function* folders(): AsyncGenerator<WalkedFolder> {
    // Loaded here: the threaded walk (the default) loads walk.js and micromatch on the walker thread only.
    const { walkRoot } = await import('./walk.js');
    walk = walkRoot(opts, () => opts.signal.aborted);
    for (const group of walk.groups) {
      const folder = listedFromGroup(group);
      yield { folder, stats: statFolder(folder, opts) };
    }
  }
  return { folders: folders(), result: () => walk?.result() ?? { problems: [], complete: false } };
}

function threaded(opts: FolderWalkOptions): FolderSource {
  const control = new Int32Array(new SharedArrayBuffer(Control.length * Int32Array.BYTES_PER_ELEMENT));
  const start: WalkStart = {
    root: opts.root,
    ignore: opts.ignore,
    hidden: opts.hidden,
    followSymlinks: opts.followSymlinks,
    salt: opts.salt,
    control: control.buffer as SharedArrayBuffer,
  };
  const worker = takeWalkerThread();
  worker.postMessage(start);
  const inbox = listen(worker, opts.root);
  let result: WalkResult = { problems: [], complete: false };
  const stop = () => {
    Atomics.store(control, Control.stop, 1);
    Atomics.notify(control, Control.acked);
    inbox.notify();
  };
  opts.signal.addEventListener('abort', stop, { once: true });

  /** Takes the next listed folder nobody has stat()ed yet, if any, and stats it here. */
  const statOneHere = (): boolean => {
    const next = Atomics.load(control, Control.nextToStat);
    if (next >= inbox.listed || Atomics.compareExchange(control, Control.nextToStat, next, next + 1) !== next) return false;
    inbox.stats.set(next, statFolder(inbox.listings.get(next)!, opts));
    return true;
  };

  async function* folders(): AsyncGenerator<WalkedFolder> {
    try {
      // Folders are diffed in walk order; this thread stats ahead of that order whenever it would otherwise wait.
      for (let seq = 0; ; ) {
        if (opts.signal.aborted) return;
        if (inbox.failure) throw inbox.failure;
        const folder = inbox.listings.get(seq);
        const batch = inbox.stats.get(seq);
        if (folder && batch) {
          inbox.listings.delete(seq);
          inbox.stats.delete(seq);
          yield { folder, stats: batch };
          seq++;
          Atomics.add(control, Control.acked, 1); // diffed: the walker may list one more
          Atomics.notify(control, Control.acked);
          continue;
        }
        const end = inbox.end;
        if (end && (seq >= end.folders || !end.complete)) {
          result = { problems: end.problems, complete: end.complete && seq >= end.folders && !opts.signal.aborted };
          return;
        }
        if (statOneHere()) continue;
        await new Promise<void>((r) => (inbox.wake = r));
      }
    } finally {
      opts.signal.removeEventListener('abort', stop);
      stop();
      worker.removeAllListeners('exit');
      await worker.terminate();
    }
  }
  return { folders: folders(), result: () => result };
}

/** What the walker thread has sent so far, and a way to wake the consumer when more arrives. */
interface Inbox {
  listings: Map<number, ListedFolder>;
  stats: Map<number, StatBatch>;
  /** Folders listed so far (their seq numbers are 0 .. listed - 1). */
  listed: number;
  end: Extract<FromWalker, { type: 'end' }> | null;
  failure: unknown;
  wake: (() => void) | null;
  notify(): void;
}

function listen(worker: Worker, root: string): Inbox {
  const inbox: Inbox = {
    listings: new Map(),
    stats: new Map(),
    listed: 0,
    end: null,
    failure: null,
    wake: null,
    notify() {
      const w = inbox.wake;
      inbox.wake = null;
      w?.();
    },
  };
  worker.on('message', (m: FromWalker) => {
    if (m.type === 'listing') {
      inbox.listings.set(m.seq, listedFromThread(m.dir, m.media, m.sidecars, m.mediaCount));
      inbox.listed = Math.max(inbox.listed, m.seq + 1);
    } else if (m.type === 'stats') inbox.stats.set(m.seq, new StatBatch(m.stats));
    else if (m.type === 'end') inbox.end = m;
    else inbox.failure ??= new Error(`walking ${root}: ${m.message}`);
    inbox.notify();
  });
  worker.on('error', (err) => {
    inbox.failure ??= err;
    inbox.notify();
  });
  worker.on('exit', (code) => {
    // Its messages are all delivered before 'exit': after 'end' this is the normal way out.
    if (!inbox.end) inbox.failure ??= new Error(`the walker thread exited (code ${code}) before finishing`);
    inbox.notify();
  });
  return inbox;
}
