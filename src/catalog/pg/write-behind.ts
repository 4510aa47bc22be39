/**
 * Write-behind for PgDb: inside a transaction opened under `db.deferWrites(fn)`, statements whose results nobody has
 * read yet wait in a queue and travel to the server together, in ONE round trip through the bridge thread (and one
 * pipelined exchange with the server), at the next read, when a `changes` is looked at, or when the transaction
 * ends. The engine's commit of a batch of outcomes then costs a couple of round trips instead of several per task.
 *
 * What a caller can tell: a failing write throws at that later point (still inside its transaction, which then rolls
 * back as before), not at its own call.
 */
import type { RunResult } from '../sql.js';
import type { BatchedStatement, BridgeRequest, BridgeResponse, WireError, WireResult } from './protocol.js';

interface Queued extends BatchedStatement {
  /** Receives the statement's answer once the batch has run. */
  answer?: (r: WireResult) => void;
}

export class WriteBehind {
  private queue: Queued[] = [];
  /** Batches sent so far: tells a transaction whether anything of its own reached the server. */
  sent = 0;

  constructor(
    private readonly call: (req: BridgeRequest) => BridgeResponse,
    private readonly fail: (e: WireError) => Error,
  ) {}

  get pending(): number {
    return this.queue.length;
  }

  /** Queues a write; its `changes` sends the queue when read before the next flush. */
  write(text: string, values?: unknown[]): RunResult {
    const result = new PendingRun(() => this.flush());
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
    const batch = this.queue;
    this.queue = [];
    this.sent++;
    const res = this.call({ op: 'batch', statements: batch.map(({ text, values }) => ({ text, values })) });
    if (!res.ok) throw this.fail(res.error);
    const results = res.results ?? [];
    for (let i = 0; i < batch.length; i++) batch[i]!.answer?.(results[i]!);
  }

  /** Forgets what has not been sent (its transaction is rolling back, or the connection is gone). */
  drop(): void {
    this.queue = [];
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
