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
  private lastId = 0;
  /** Answers that came while waiting for another one (see `take`). */
  private readonly early = new Map<number, BridgeResponse>();

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
    return this.take(this.post(request), request.op === 'connect');
  }

  /**
   * Sends a request without waiting for its answer (PgDb's commit in the background); `take` gets the answer. The
   * bridge answers in the order it was asked, but its answers carry their request's id, so none is taken for another.
   */
  post(request: BridgeRequest): number {
    const id = ++this.lastId;
    if (!this.dead) this.requests.postMessage({ ...request, id });
    return id;
  }

  /** The answer to request `id` (`connecting`: it is a connect, for the message), waiting for it (answers to other requests that come first are kept for theirs). */
  take(id: number, connecting = false): BridgeResponse {
    let beat = Atomics.load(this.flag, 1);
    let lastBeatAt = Date.now();
    for (;;) {
      const kept = this.early.get(id);
      if (kept) {
        this.early.delete(id);
        return unpackBlobs(kept);
      }
      if (this.dead) return { ok: false, error: { message: `PostgreSQL bridge is gone: ${this.dead.message}`, unavailable: true } };
      // Lowered before looking, so an answer posted after the look raises it again and the wait returns at once.
      Atomics.store(this.flag, 0, 0);
      const got = receiveMessageOnPort(this.requests);
      if (got) {
        const res = got.message as BridgeResponse & { id: number };
        this.early.set(res.id, res);
        continue;
      }
      Atomics.wait(this.flag, 0, 0, WAIT_SLICE_MS);
      // Worker exit and error events cannot run while this thread blocks: a thread that died (or failed to start)
      // never raises the flag, but it also stops beating.
      const now = Date.now();
      const b = Atomics.load(this.flag, 1);
      if (b !== beat) [beat, lastBeatAt] = [b, now];
      else if (now - lastBeatAt > SILENCE_MS) {
        this.dead = new Error('its thread stopped answering');
        return { ok: false, error: { message: 'PostgreSQL bridge thread stopped answering', unavailable: true, connecting } };
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
