/**
 * Worker thread: stat()s batches of names so the main thread can diff one folder against the catalog while the
 * next folders are being stat()ed (on a rescan, stat and the catalog lookups are most of the time).
 * Nothing is thrown across the boundary: errors travel as codes in the reply.
 */
import { parentPort } from 'node:worker_threads';
import { statNames, type StatRequest } from './stat-batch.js';

parentPort!.on('message', (req: StatRequest) => {
  const reply = statNames(req);
  parentPort!.postMessage(reply, [reply.values.buffer as ArrayBuffer]);
});
