/**
 * A child process that runs one task alone (tasks/isolated.ts): a task whose previous run died with the process.
 * If this task brings the process down too, only this child dies, and the parent sees how: a signal it raised
 * itself (a crash, an abort) is the task's doing; a kill from outside is not.
 */
import dispatch from './dispatch.js';
import type { DispatchRequest } from './protocol.js';

// The parent is gone (killed): nobody waits for this task any more.
process.once('disconnect', () => process.exit(0));
process.once('message', (req: DispatchRequest) => {
  void dispatch(req).then((outcome) => process.send!({ outcome }, () => process.disconnect()));
});
