/**
 * A synchronous call into the bridge thread: post the request, block in Atomics.wait until the bridge has posted
 * its answer and raised the flag, then take the answer with receiveMessageOnPort. This is what keeps every catalog
 * caller synchronous on PostgreSQL, as better-sqlite3 is on SQLite. Hand-made rather than synckit: PgDb needs a
 * thread of its own per connection with an explicit lifetime, plus an asynchronous notification port beside the
 * synchronous calls; synckit shares one worker per worker file across all callers and offers no second channel.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { BridgeData, BridgeRequest, BridgeResponse, Notification } from './protocol.js';
import { unpackBlobs } from './blob-transfer.js';

const workerFile = new URL('./bridge-worker.js', import.meta.url);
/** Wake up this often while waiting, to notice a bridge thread that died. */
const WAIT_SLICE_MS = 500;
/** The bridge thread beats every 250 ms while it lives; this long without a beat, it is gone (or never started). */
const SILENCE_MS = 15_000;

export class Bridge {
  private readonly worker: Worker;
  /** [0]: raised when an answer is posted; [1]: the bridge thread's heartbeat. */
  private readonly flag = new Int32Array(new SharedArrayBuffer(8));
  private readonly requests: MessagePort;
  readonly notifications: MessagePort;
  private dead: Error | null = null;

  constructor(url: string) {
    const req = new MessageChannel();
    const note = new MessageChannel();
    const data: BridgeData = { url, signal: this.flag.buffer as SharedArrayBuffer, requests: req.port2, notifications: note.port2 };
    // No inherited node flags: some (--input-type, given with -e) make a worker with a file fail to start.
    this.worker = new Worker(workerFile, { workerData: data, transferList: [req.port2, note.port2], execArgv: [] });
    // The bridge never keeps the process alive by itself (a forgotten close must not hang a command).
    this.worker.unref();
    this.worker.on('error', (err) => (this.dead = err));
    this.worker.on('exit', () => (this.dead ??= new Error('bridge thread exited')));
    this.requests = req.port1;
    this.requests.unref();
    this.notifications = note.port1;
    this.notifications.unref();
  }

  call(request: BridgeRequest): BridgeResponse {
    if (this.dead) return { ok: false, error: { message: `PostgreSQL bridge is gone: ${this.dead.message}`, unavailable: true } };
    this.post(request);
    return this.answer(request);
  }

  /** Sends a request without waiting: `answer` waits for it (prewarm.ts connects while the CLI loads). */
  post(request: BridgeRequest): void {
    Atomics.store(this.flag, 0, 0);
    this.requests.postMessage(request);
  }

  /** Waits for the answer to the request posted last. */
  answer(request: BridgeRequest): BridgeResponse {
    // A prewarmed thread may have died while the CLI loaded (prewarm.ts): say so now, not after SILENCE_MS.
    if (this.dead) return { ok: false, error: { message: `PostgreSQL bridge is gone: ${this.dead.message}`, unavailable: true, connecting: request.op === 'connect' } };
    let beat = Atomics.load(this.flag, 1);
    let lastBeatAt = Date.now();
    for (;;) {
      Atomics.wait(this.flag, 0, 0, WAIT_SLICE_MS);
      const got = receiveMessageOnPort(this.requests);
      if (got) return unpackBlobs(got.message as BridgeResponse);
      // Worker exit and error events cannot run while this thread blocks: a thread that died (or failed to start)
      // never raises the flag, but it also stops beating.
      const now = Date.now();
      const b = Atomics.load(this.flag, 1);
      if (b !== beat) [beat, lastBeatAt] = [b, now];
      else if (now - lastBeatAt > SILENCE_MS) {
        this.dead = new Error('its thread stopped answering');
        return { ok: false, error: { message: 'PostgreSQL bridge thread stopped answering', unavailable: true, connecting: request.op === 'connect' } };
      }
    }
  }

  onNotification(listener: (n: Notification) => void): void {
    this.notifications.on('message', listener);
  }

  /** Ends the bridge thread; safe to call twice. */
  terminate(): void {
    this.requests.close();
    this.notifications.close();
    void this.worker.terminate();
  }
}
