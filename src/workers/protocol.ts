/** The only things the main thread and the dispatch worker share: the shapes of requests and batch messages. */
import type { MessagePort } from 'node:worker_threads';
import type { StageOutcome, TaskInput } from '../extract/stage.js';

export interface DispatchRequest {
  /** File URL of the stage's worker module. */
  workerModule: string;
  input: TaskInput;
}

/**
 * Several small tasks in one message, so a thread does not sit idle for a round trip between tasks of a fraction of
 * a millisecond. The worker runs them in order and reports on `port` as it goes; piscina's own answer is the count.
 */
export interface BatchRequest {
  batch: DispatchRequest[];
  port: MessagePort;
}

/** What a batch reports on its port: an item started, or an item finished with its outcome. */
export type BatchMessage = { started: number } | { index: number; outcome: StageOutcome };

/** File URL of the dispatch worker (compiled next to this file). */
export const dispatchModule = new URL('./dispatch.js', import.meta.url).href;
