/**
 * Worker thread: walks one root (fast-glob) and stat()s each folder's files, sending folders to the main thread,
 * which only diffs them against the catalog. Sends at most WALK_CREDITS folders ahead (flat memory); never throws
 * across the boundary.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { describeError } from '../errors.js';
import { statNames } from './stat-batch.js';
import { walkRoot } from './walk.js';
import { joinNames, WALK_CREDITS, type FromWalker, type ToWalker, type WalkStart } from './walk-protocol.js';

const start = workerData as WalkStart;
const port = parentPort!;
const stop = new AbortController();
let credits = WALK_CREDITS;
let wake: (() => void) | null = null;

port.on('message', (m: ToWalker) => {
  if (m.type === 'ack') credits++;
  else stop.abort();
  const w = wake;
  wake = null;
  w?.();
});

const send = (m: FromWalker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

try {
  const walk = walkRoot({ ...start, signal: stop.signal });
  for await (const group of walk.groups) {
    while (credits <= 0 && !stop.signal.aborted) await new Promise<void>((r) => (wake = r));
    if (stop.signal.aborted) break;
    credits--;
    const names = joinNames([...group.media, ...group.sidecars]);
    const stats = statNames({ id: 0, dir: group.dir, names, follow: start.followSymlinks });
    send(
      { type: 'folder', dir: group.dir, media: joinNames(group.media), sidecars: joinNames(group.sidecars), stats },
      [stats.values.buffer as ArrayBuffer],
    );
  }
  const result = walk.result();
  send({ type: 'end', problems: result.problems, complete: result.complete && !stop.signal.aborted });
} catch (err) {
  send({ type: 'failed', message: describeError(err) });
}
port.close();
