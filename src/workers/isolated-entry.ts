/**
 * A child process that runs suspects one at a time (tasks/isolated.ts): tasks whose previous run died with the
 * process. If one of them brings the process down again, only this child dies, and the parent sees how and during
 * which task: a signal the process raised itself (a crash, an abort) is that task's doing; a kill from outside is not.
 */
import dispatch from './dispatch.js';
import type { DispatchRequest } from './protocol.js';

// The parent is gone (killed): nobody waits for these tasks any more.
process.once('disconnect', () => process.exit(0));
process.on('message', (msg: { id: number; req: DispatchRequest }) => {
  void dispatch(msg.req).then((outcome) => process.send!({ id: msg.id, outcome }));
});
