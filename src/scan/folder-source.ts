import { Worker } from 'node:worker_threads';
import { planFolder, type FolderJob } from './folder.js';
import { StatBatch, statNames } from './stat-batch.js';
import { walkRoot, type WalkOptions, type WalkResult } from './walk.js';
import { Control, splitNames, type FromWalker, type WalkStart } from './walk-protocol.js';

/** One folder, walked and stat()ed, ready to diff. */
export interface WalkedFolder {
  job: FolderJob;
  stats: StatBatch;
}

export interface FolderSource {
  folders: AsyncIterable<WalkedFolder>;
  /** After `folders` is exhausted: problems met and whether the walk was complete. */
  result(): WalkResult;
}

export interface FolderWalkOptions extends WalkOptions {
  signal: AbortSignal;
}

/**
 * The walk of one root as a stream of stat()ed folders. By default the walk and most stat() calls run on a worker
 * thread, so they overlap with the catalog work on the main thread (on a rescan those are nearly all the time);
 * INDEXER_SCAN_STAT_WORKER=0 keeps everything on the main thread (a single-core box, where the hand-off only costs).
 */
export function walkFolders(opts: FolderWalkOptions, env: NodeJS.ProcessEnv): FolderSource {
  return env.INDEXER_SCAN_STAT_WORKER === '0' ? inline(opts) : threaded(opts);
}

function statFolder(job: FolderJob, follow: boolean): StatBatch {
  const names = job.names.join('\0');
  return new StatBatch(statNames({ id: 0, dir: job.group.dir, names, follow }));
}

function inline(opts: FolderWalkOptions): FolderSource {
  const walk = walkRoot(opts, () => opts.signal.aborted);
  async function* folders(): AsyncGenerator<WalkedFolder> {
    for (const group of walk.groups) {
      const job = planFolder(group);
      yield { job, stats: statFolder(job, opts.followSymlinks) };
    }
  }
  return { folders: folders(), result: () => walk.result() };
}

function threaded(opts: FolderWalkOptions): FolderSource {
  const control = new Int32Array(new SharedArrayBuffer(Control.length * Int32Array.BYTES_PER_ELEMENT));
  const start: WalkStart = {
    root: opts.root,
    ignore: opts.ignore,
    hidden: opts.hidden,
    followSymlinks: opts.followSymlinks,
    control: control.buffer as SharedArrayBuffer,
  };
  const worker = new Worker(new URL('./walk-thread.js', import.meta.url), { workerData: start });
  const inbox: FromWalker[] = [];
  let wake: (() => void) | null = null;
  let crashed: unknown = null;
  let result: WalkResult = { problems: [], complete: false };
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const stop = () => {
    Atomics.store(control, Control.stop, 1);
    Atomics.notify(control, Control.acked);
  };
  worker.on('message', (m: FromWalker) => {
    inbox.push(m);
    notify();
  });
  worker.on('error', (err) => {
    crashed = err;
    notify();
  });
  worker.on('exit', (code) => {
    crashed ??= new Error(`the walker thread exited (code ${code}) before finishing`);
    notify();
  });
  opts.signal.addEventListener('abort', stop, { once: true });

  async function* folders(): AsyncGenerator<WalkedFolder> {
    try {
      for (;;) {
        const m = inbox.shift();
        if (m === undefined) {
          if (crashed) throw crashed;
          await new Promise<void>((r) => (wake = r));
          continue;
        }
        if (m.type === 'failed') throw new Error(`walking ${opts.root}: ${m.message}`);
        if (m.type === 'end') {
          result = { problems: m.problems, complete: m.complete && !opts.signal.aborted };
          return;
        }
        const job = planFolder({ dir: m.dir, media: splitNames(m.media), sidecars: splitNames(m.sidecars) });
        // No stats: this thread had nothing else to do when the walker sent it, so it stats the folder itself.
        yield { job, stats: m.stats ? new StatBatch(m.stats) : statFolder(job, opts.followSymlinks) };
        Atomics.add(control, Control.acked, 1); // diffed: the walker may send one more
        Atomics.notify(control, Control.acked);
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
