/**
 * A synchronous call into the bridge thread: post the request, block in Atomics.wait until the bridge has posted
 * its answer and raised the flag, then take the answer with receiveMessageOnPort. This is what keeps every catalog
 * caller synchronous on PostgreSQL, as better-sqlite3 is on SQLite. Hand-made rather than synckit: PgDb needs a
 * thread of its own per connection with an explicit lifetime, plus an asynchronous notification port beside the
 * synchronous calls; synckit shares one worker per worker file across all callers and offers no second channel.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { BridgeData, BridgeRequest, BridgeResponse, Notification } from './protocol.js';

const workerFile = new URL('./bridge-worker.js', import.meta.url);
/** Wake up this often while waiting, to notice a bridge thread that died. */
const WAIT_SLICE_MS = 1000;

export class Bridge {
  private readonly worker: Worker;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly requests: MessagePort;
  readonly notifications: MessagePort;
  private dead: Error | null = null;

  constructor(url: string) {
    const req = new MessageChannel();
    const note = new MessageChannel();
    const data: BridgeData = { url, signal: this.flag.buffer as SharedArrayBuffer, requests: req.port2, notifications: note.port2 };
    this.worker = new Worker(workerFile, { workerData: data, transferList: [req.port2, note.port2] });
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
    Atomics.store(this.flag, 0, 0);
    this.requests.postMessage(request);
    for (;;) {
      Atomics.wait(this.flag, 0, 0, WAIT_SLICE_MS);
      const got = receiveMessageOnPort(this.requests);
      if (got) return got.message as BridgeResponse;
      // Worker exit and error events cannot run while this thread blocks; a thread that died never raises the flag.
      if (Atomics.load(this.flag, 0) === 0 && this.worker.threadId < 0) {
        return { ok: false, error: { message: 'PostgreSQL bridge thread exited', unavailable: true } };
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
