/**
 * Worker thread: walks one root and stat()s each folder's files, sending folders to the main thread, which diffs them
 * against the catalog. It runs synchronously from start to end: acks and the stop flag arrive through shared memory
 * (Atomics), so it never needs its event loop. At most WALK_CREDITS folders are in flight (flat memory); when the
 * main thread is about to run dry, a folder goes unstat()ed and the main thread stats it. Never throws across the
 * boundary.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { describeError } from '../errors.js';
import { statNames } from './stat-batch.js';
import { walkRoot } from './walk.js';
import { Control, joinNames, STAT_HERE_BELOW, WALK_CREDITS, type FromWalker, type WalkStart } from './walk-protocol.js';

const start = workerData as WalkStart;
const port = parentPort!;
const control = new Int32Array(start.control);
const stopped = () => Atomics.load(control, Control.stop) === 1;
const send = (m: FromWalker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

try {
  const walk = walkRoot(start, stopped);
  let sent = 0;
  for (const group of walk.groups) {
    let acked = Atomics.load(control, Control.acked);
    while (sent - acked >= WALK_CREDITS && !stopped()) {
      Atomics.wait(control, Control.acked, acked, 1000);
      acked = Atomics.load(control, Control.acked);
    }
    if (stopped()) break;
    const media = joinNames(group.media);
    const sidecars = joinNames(group.sidecars);
    if (sent - acked < STAT_HERE_BELOW) {
      send({ type: 'folder', dir: group.dir, media, sidecars, stats: null });
    } else {
      const names = group.sidecars.length === 0 ? media : `${media}\0${sidecars}`;
      const stats = statNames({ id: 0, dir: group.dir, names, follow: start.followSymlinks });
      send({ type: 'folder', dir: group.dir, media, sidecars, stats }, [stats.values.buffer as ArrayBuffer]);
    }
    sent++;
  }
  const result = walk.result();
  send({ type: 'end', problems: result.problems, complete: result.complete });
} catch (err) {
  send({ type: 'failed', message: describeError(err) });
}
port.close();
