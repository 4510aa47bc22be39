/**
 * Worker thread: waits for its WalkStart message (it may be started before the walk's settings are known, see
 * walker-spawn.ts), then walks one root, lists each folder's media to the main thread and stat()s them. The main thread
 * diffs folders against the catalog and, whenever it would otherwise wait, takes the next listed folder and stats it
 * itself: the stat() calls (most of an unchanged rescan) spread over both threads. Who stats a folder is decided in
 * shared memory (Control.nextToStat), and acks and the stop flag arrive there too, so once started the walk runs
 * synchronously to its end and never needs the event loop. At most WALK_CREDITS folders are in flight (flat memory).
 * Each folder's stat() reply carries its digest (folder-digest.ts), whichever thread made it.
 * Never throws across the boundary.
 */
import { parentPort } from 'node:worker_threads';
import { describeError } from '../errors.js';
import { statNames } from './stat-batch.js';
import { walkRoot, type FolderGroup } from './walk.js';
import { Control, joinNames, LIST_AHEAD, statList, WALK_CREDITS, type FromWalker, type WalkStart } from './walk-protocol.js';

const port = parentPort!;
const send = (m: FromWalker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

port.once('message', (start: WalkStart) => {
  walkAndStat(start);
  port.close();
});

function walkAndStat(start: WalkStart): void {
  const control = new Int32Array(start.control);
  const stopped = () => Atomics.load(control, Control.stop) === 1;
  try {
    const walk = walkRoot(start, stopped);
    const groups = walk.groups;
    /** Listed folders not yet taken by this thread, by number (the main thread may take some of them). */
    const pending = new Map<number, { dir: string; names: string }>();
    let listed = 0;
    let walkDone = false;
    const list = (): void => {
      const next = groups.next();
      if (next.done) {
        walkDone = true;
        return;
      }
      const g: FolderGroup = next.value;
      const media = joinNames(g.media);
      const sidecars = joinNames(g.sidecars);
      pending.set(listed, { dir: g.dir, names: statList(media, sidecars) });
      send({ type: 'listing', seq: listed, dir: g.dir, media, mediaCount: g.media.length, sidecars });
      listed++;
    };
    while (!stopped()) {
      const acked = Atomics.load(control, Control.acked);
      const next = Atomics.load(control, Control.nextToStat);
      for (const seq of pending.keys()) if (seq < next) pending.delete(seq); // taken (by either thread)
      const canList = !walkDone && listed - acked < WALK_CREDITS;
      if (canList && listed - next < LIST_AHEAD) {
        list();
        continue;
      }
      if (next < listed) {
        if (Atomics.compareExchange(control, Control.nextToStat, next, next + 1) !== next) continue; // the main thread took it
        const job = pending.get(next)!;
        pending.delete(next);
        const stats = statNames({ dir: job.dir, names: job.names, follow: start.followSymlinks, salt: start.salt });
        send({ type: 'stats', seq: next, stats }, [stats.values.buffer as ArrayBuffer]);
        continue;
      }
      if (canList) {
        list();
        continue;
      }
      if (walkDone) break; // everything listed is taken: the main thread finishes what it took
      Atomics.wait(control, Control.acked, acked, 1000); // out of credits: wait for the diff to catch up
    }
    const result = walk.result();
    send({ type: 'end', folders: listed, problems: result.problems, complete: result.complete && !stopped() });
  } catch (err) {
    send({ type: 'failed', message: describeError(err) });
  }
}
