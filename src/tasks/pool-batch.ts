/**
 * Micro-batching for small tasks (the metadata stages run in a fraction of a millisecond): tasks handed to the pool
 * in the same tick travel to a thread together, and the thread reports each start and outcome on a port as it goes,
 * so it never waits for a round trip between tasks while each task still settles (and is timed) on its own.
 *
 * A batch keeps the single-task guarantees:
 * - a task aborted while it waits is answered at once (aborted) and its eventual result ignored;
 * - a task aborted while it runs replaces the thread (as a single task would); the batch's later tasks go again;
 * - a thread that dies under a batch sends its unfinished tasks again one per message, so a crash is pinned on the
 *   task that caused it and the others lose nothing.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { BatchMessage, DispatchRequest } from '../workers/protocol.js';
import { describeError } from '../errors.js';
import type { PoolResult } from './pool.js';

/** Most tasks one message carries: long enough to hide a round trip, short enough to spread over the threads. */
const maxBatchSize = 32;

/** Sends one batch to a thread; resolves when the thread is done with it, rejects when the thread died or was aborted. */
export type SubmitBatch = (batch: DispatchRequest[], port: MessagePort, signal: AbortSignal) => Promise<unknown>;

interface Item {
  req: DispatchRequest;
  signal: AbortSignal;
  onStart?: () => void;
  resolve(result: PoolResult): void;
  state: 'waiting' | 'running' | 'done';
  onAbort?: () => void;
}

export class Batcher {
  private pending: Item[] = [];
  private scheduled = false;

  constructor(
    private readonly threads: number,
    private readonly submit: SubmitBatch,
  ) {}

  run(req: DispatchRequest, signal: AbortSignal, onStart?: () => void): Promise<PoolResult> {
    if (signal.aborted) return Promise.resolve({ aborted: true });
    return new Promise<PoolResult>((resolve) => {
      this.pending.push({ req, signal, onStart, resolve, state: 'waiting' });
      if (!this.scheduled) {
        this.scheduled = true;
        // Everything the scheduler dispatches in this tick joins the same round of batches.
        queueMicrotask(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const items: Item[] = [];
    for (const item of this.pending.splice(0)) {
      if (item.signal.aborted) item.resolve({ aborted: true });
      else items.push(item);
    }
    if (!items.length) return;
    // A photo's tasks side by side, so they land in one batch and share the file read (stable sort).
    items.sort((a, b) => (a.req.input.path < b.req.input.path ? -1 : a.req.input.path > b.req.input.path ? 1 : 0));
    // At least one batch per thread (no thread idles while another holds a long batch), each at most maxBatchSize.
    const count = Math.min(items.length, Math.max(this.threads, Math.ceil(items.length / maxBatchSize)));
    const size = Math.ceil(items.length / count);
    for (let i = 0; i < items.length; i += size) this.start(items.slice(i, i + size));
  }

  private start(items: Item[]): void {
    const { port1, port2 } = new MessageChannel();
    const controller = new AbortController();
    const finish = (item: Item, result: PoolResult) => {
      if (item.state === 'done') return;
      item.state = 'done';
      if (item.onAbort) item.signal.removeEventListener('abort', item.onAbort);
      item.resolve(result);
    };
    const begin = (index: number) => {
      const item = items[index];
      if (item?.state !== 'waiting') return;
      item.state = 'running';
      item.onStart?.();
    };
    for (const item of items) {
      item.state = 'waiting';
      item.onAbort = () => {
        if (item.state === 'done') return;
        const wasRunning = item.state === 'running';
        finish(item, { aborted: true });
        // A running task is stopped the only way there is: the thread goes (the rest of the batch goes again).
        if (wasRunning || items.every((i) => i.state === 'done')) controller.abort();
      };
      item.signal.addEventListener('abort', item.onAbort, { once: true });
    }
    let threadDone = false;
    // A batch whose every task is answered lets go of its port: an open port with listeners keeps the whole batch
    // (tasks, timers, closures) alive, and memory would grow with the number of tasks run. The port's 'close' event
    // cannot be relied on for this once the other end has been transferred to a worker thread.
    const releaseIfAnswered = () => {
      if (threadDone && items.every((i) => i.state === 'done')) {
        port1.removeAllListeners();
        port1.close();
      }
    };
    port1.on('message', (m: BatchMessage) => {
      if ('started' in m) return begin(m.started);
      const item = items[m.index];
      if (item) finish(item, { outcome: m.outcome });
      begin(m.index + 1);
      releaseIfAnswered();
    });
    // What did not finish goes again, one task per message: alone, a crash can only be its own.
    const again = () => {
      for (const item of items) if (item.state !== 'done' && !item.signal.aborted) this.start([item]);
    };
    let portClosed = false;
    // Outcomes travel on the port and piscina's answer on another channel: whichever comes last settles the rest.
    const settle = () => {
      if (threadDone && portClosed) again();
    };
    port1.on('close', () => {
      portClosed = true;
      settle();
    });
    this.submit(
      items.map((i) => i.req),
      port2,
      controller.signal,
    ).then(
      () => {
        threadDone = true;
        releaseIfAnswered();
        settle();
      },
      (err: unknown) => {
        port1.close();
        if (controller.signal.aborted) return again();
        const crashed = describeError(err);
        const left = items.filter((i) => i.state !== 'done');
        if (items.length === 1) left.forEach((i) => finish(i, { crashed }));
        else again();
      },
    );
  }
}
