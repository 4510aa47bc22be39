/** Worker thread of nearPairsThreaded: one key range of the comparison, over hashes in shared memory. */
import { parentPort, workerData } from 'node:worker_threads';
import { nearPairs } from './near-pairs.js';
import type { WorkerReply, WorkerRequest } from './near-pairs-threads.js';

const request = workerData as WorkerRequest;
const pairs = nearPairs({ hi: new Uint32Array(request.hi), lo: new Uint32Array(request.lo) }, request.threshold, request.range);
const reply: WorkerReply = { a: Int32Array.from(pairs.a), b: Int32Array.from(pairs.b), d: Uint8Array.from(pairs.d) };
parentPort!.postMessage(reply, [reply.a.buffer as ArrayBuffer, reply.b.buffer as ArrayBuffer, reply.d.buffer as ArrayBuffer]);
