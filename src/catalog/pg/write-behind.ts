/**
 * Write-behind for PgDb: inside a transaction opened under `db.deferWrites(fn)`, statements whose results nobody has
 * read yet wait in a queue and travel to the server together, in ONE round trip through the bridge thread (and one
 * pipelined exchange with the server), at the next read, when a `changes` is looked at, or when the transaction
 * ends. The engine's commit of a batch of outcomes then costs a couple of round trips instead of several per task.
 *
 * What a caller can tell: a failing write throws at that later point (still inside its transaction, which then rolls
 * back as before), not at its own call. A transaction's last batch may also be posted (`post`): sent without waiting,
 * its answer taken by `settle`, where its failure (its transaction rolled back) throws.
 */
import type { RunResult } from '../sql.js';
import type { BatchedStatement, BridgeRequest, BridgeResponse, WireError, WireResult } from './protocol.js';

interface Queued extends BatchedStatement {
  /** Receives the statement's answer once the batch has run. */
  answer?: (r: WireResult) => void;
}

/** How write-behind reaches the bridge: `send` waits for the answer; `post` does not and returns how to take it. */
export interface WriteChannel {
  send(req: BridgeRequest): BridgeResponse;
  post(req: BridgeRequest): () => BridgeResponse;
}

export class WriteBehind {
  private queue: Queued[] = [];
  /** A batch sent by `post` whose answer nobody has taken yet. */
  private posted: { batch: Queued[]; take: () => BridgeResponse } | null = null;
  /** Batches sent so far: tells a transaction whether anything of its own reached the server. */
  sent = 0;

  constructor(
    private readonly channel: WriteChannel,
    private readonly fail: (e: WireError) => Error,
  ) {}

  get pending(): number {
    return this.queue.length;
  }

  /** Queues a write; its `changes` sends the queue when read before the next flush. */
  write(text: string, values?: unknown[]): RunResult {
    const result = new PendingRun(() => {
      this.flush();
      this.settle();
    });
    this.queue.push({ text, values, answer: (r) => (result.count = r.rowCount) });
    return result;
  }

  /** Sends the queue with one more statement whose answer is needed now; returns that answer. */
  read(text: string, values: unknown[]): WireResult {
    let answer: WireResult | undefined;
    this.queue.push({ text, values, answer: (r) => (answer = r) });
    this.flush();
    return answer!;
  }

  /** Sends whatever waits, in order; the first failure throws (the statements after it did not take effect). */
  flush(): void {
    if (this.queue.length === 0) return;
    const batch = this.take();
    this.deliver(batch, this.channel.send(this.request(batch)));
  }

  /**
   * Sends whatever waits without waiting for the server: the caller goes on with other work while the server runs
   * the batch (later requests queue behind it on the same connection). `settle` takes its answer.
   */
  post(): void {
    this.settle();
    if (this.queue.length === 0) return;
    const batch = this.take();
    this.posted = { batch, take: this.channel.post(this.request(batch)) };
  }

  /** Waits for the batch `post` sent, if any; its failure throws here. */
  settle(): void {
    const posted = this.posted;
    if (!posted) return;
    this.posted = null;
    this.deliver(posted.batch, posted.take());
  }

  /** Forgets what has not been sent, and a posted batch's answer (its transaction is rolling back, or the connection is gone). */
  drop(): void {
    this.queue = [];
    this.posted = null;
  }

  private take(): Queued[] {
    const batch = this.queue;
    this.queue = [];
    this.sent++;
    return batch;
  }

  private request(batch: Queued[]): BridgeRequest {
    return { op: 'batch', statements: batch.map(({ text, values }) => ({ text, values })) };
  }

  private deliver(batch: Queued[], res: BridgeResponse): void {
    if (!res.ok) throw this.fail(res.error);
    const results = res.results ?? [];
    for (let i = 0; i < batch.length; i++) batch[i]!.answer?.(results[i]!);
  }
}

/** A queued write's result: `changes` is known once its batch has run, and reading it early sends the batch. */
class PendingRun implements RunResult {
  count = -1;
  readonly lastInsertRowid = 0;

  constructor(private readonly flush: () => void) {}

  get changes(): number {
    if (this.count < 0) this.flush();
    return this.count;
  }
}
