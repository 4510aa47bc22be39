import { Worker } from 'node:worker_threads';
import { planFolder, type FolderJob } from './folder.js';
import { StatBatch, statNames } from './stat-batch.js';
import { walkRoot, type WalkOptions, type WalkResult } from './walk.js';
import { joinNames, splitNames, type FromWalker, type WalkStart } from './walk-protocol.js';

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

/**
 * The walk of one root as a stream of stat()ed folders. By default the walk and the stat() calls run on a worker
 * thread, so they overlap with the catalog work on the main thread (on a rescan those are nearly all the time);
 * INDEXER_SCAN_STAT_WORKER=0 keeps everything on the main thread (a single-core box, where the hand-off only costs).
 */
export function walkFolders(opts: WalkOptions, env: NodeJS.ProcessEnv): FolderSource {
  return env.INDEXER_SCAN_STAT_WORKER === '0' ? inline(opts) : threaded(opts);
}

function inline(opts: WalkOptions): FolderSource {
  const walk = walkRoot(opts);
  async function* folders(): AsyncGenerator<WalkedFolder> {
    for await (const group of walk.groups) {
      const job = planFolder(group);
      const reply = statNames({ id: 0, dir: group.dir, names: joinNames(job.names), follow: opts.followSymlinks });
      yield { job, stats: new StatBatch(reply) };
    }
  }
  return { folders: folders(), result: () => walk.result() };
}

function threaded(opts: WalkOptions): FolderSource {
  const start: WalkStart = { root: opts.root, ignore: opts.ignore, hidden: opts.hidden, followSymlinks: opts.followSymlinks };
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
  const onAbort = () => worker.postMessage({ type: 'stop' });
  opts.signal.addEventListener('abort', onAbort, { once: true });

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
        yield { job, stats: new StatBatch(m.stats) };
        worker.postMessage({ type: 'ack' }); // the folder was diffed: the walker may send one more
      }
    } finally {
      opts.signal.removeEventListener('abort', onAbort);
      worker.removeAllListeners('exit');
      await worker.terminate();
    }
  }
  return { folders: folders(), result: () => result };
}
