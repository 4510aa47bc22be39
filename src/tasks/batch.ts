/**
 * The optional main-thread batch step (CLIP: one inference session over many prepared items). Worker values of a
 * batch stage wait here until a batch is full or old enough; one batch per stage runs at a time (or as many as the
 * stage's maxRunning) while the workers keep preparing the next one.
 */
import type { ClaimedTask } from '../catalog/tasks.js';
import type { StageDefinition, StageOutcome } from '../extract/stage.js';
import type { Settled } from './commit.js';

interface Buffer {
  stage: StageDefinition;
  items: { task: ClaimedTask; value: unknown }[];
  firstAt: number;
  /** Items in running batches, and how many batches those are. */
  running: number;
  batches: number;
}

export class BatchQueue {
  private readonly buffers = new Map<string, Buffer>();

  constructor(
    stages: StageDefinition[],
    private readonly onSettled: (items: Settled[]) => void,
  ) {
    for (const s of stages) if (s.batch) this.buffers.set(s.name, { stage: s, items: [], firstAt: 0, running: 0, batches: 0 });
  }

  add(task: ClaimedTask, value: unknown, now: number): void {
    const b = this.buffers.get(task.stage)!;
    if (b.items.length === 0) b.firstAt = now;
    b.items.push({ task, value });
  }

  /** Items waiting or inside a running batch (they still count as in flight). */
  get size(): number {
    let n = 0;
    for (const b of this.buffers.values()) n += b.items.length + b.running;
    return n;
  }

  /**
   * Starts the batches that are full, old enough, or (force) whatever is waiting because nothing else will come. A run
   * that is stopping starts none beside a running one: one handed over is out of reach of the drain (takeAll), and
   * the stop would wait for it too.
   */
  flushDue(now: number, force: boolean, stopping = false): void {
    for (const b of this.buffers.values()) {
      const cfg = b.stage.batch!;
      if (b.batches >= (cfg.maxRunning ?? 1) || b.items.length === 0) continue;
      // Beside a running batch, only a full one: a partial batch waits, as it would have, for the running one's end.
      const full = b.items.length >= cfg.maxSize;
      if (b.batches > 0 && (!full || stopping)) continue;
      if (!force && !full && now - b.firstAt < cfg.maxWaitMs) continue;
      const items = b.items.splice(0, cfg.maxSize);
      b.firstAt = now;
      b.running += items.length;
      b.batches++;
      void this.runBatch(b, items).then((settled) => {
        b.running -= items.length;
        b.batches--;
        this.onSettled(settled);
      });
    }
  }

  /** Hands back what has not started (interrupt past the drain deadline). */
  takeAll(): ClaimedTask[] {
    const out: ClaimedTask[] = [];
    for (const b of this.buffers.values()) out.push(...b.items.splice(0).map((i) => i.task));
    return out;
  }

  private async runBatch(b: Buffer, items: { task: ClaimedTask; value: unknown }[]): Promise<Settled[]> {
    let outcomes: StageOutcome[];
    try {
      outcomes = await b.stage.batch!.run(
        items.map((i) => ({ target: { taskId: i.task.id, fileId: i.task.fileId, identity: i.task.identity }, value: i.value })),
      );
      if (outcomes.length !== items.length) throw new Error(`returned ${outcomes.length} outcomes for ${items.length} items`);
    } catch (err) {
      const reason = `stage ${b.stage.name}: batch step failed: ${(err as Error).message}`;
      outcomes = items.map(() => ({ status: 'failed', reason, stageFault: true }));
    }
    return items.map((i, k) => ({ task: i.task, outcome: outcomes[k]! }));
  }
}
