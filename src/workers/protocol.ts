/** The only thing the main thread and the dispatch worker share: the shape of one request. */
import type { TaskInput } from '../extract/stage.js';

export interface DispatchRequest {
  /** File URL of the stage's worker module. */
  workerModule: string;
  input: TaskInput;
}

/** File URL of the dispatch worker (compiled next to this file). */
export const dispatchModule = new URL('./dispatch.js', import.meta.url).href;
