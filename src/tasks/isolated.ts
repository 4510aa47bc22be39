/**
 * Runs one task in a child process of its own. Used for suspects (tasks that were running when the process died):
 * the parent learns how the child ended, so a crash is charged to the task only when the task caused it.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describeError } from '../errors.js';
import type { DispatchRequest } from '../workers/protocol.js';
import type { PoolResult } from './pool.js';
import type { StageOutcome } from '../extract/stage.js';

/** Signals a process raises on itself when its own code fails: the task's doing. Anything else came from outside. */
const OWN_FAULT_SIGNALS: ReadonlySet<string> = new Set(['SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGFPE', 'SIGABRT', 'SIGTRAP', 'SIGSYS']);

/** What became of an isolated task: the pool's answers, or killed from outside (not the task's fault). */
export type IsolatedResult = PoolResult | { killed: string };

export type Isolate = (req: DispatchRequest, signal: AbortSignal) => Promise<IsolatedResult>;

const entry = fileURLToPath(new URL('../workers/isolated-entry.js', import.meta.url));

export const runIsolated: Isolate = (req, signal) =>
  new Promise((resolve) => {
    let answer: IsolatedResult | null = null;
    const child = fork(entry, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'advanced' });
    const onAbort = () => child.kill('SIGKILL');
    signal.addEventListener('abort', onAbort, { once: true });
    child.on('message', (m: unknown) => {
      if (m && typeof m === 'object' && 'outcome' in m) answer = { outcome: (m as { outcome: StageOutcome }).outcome };
    });
    child.once('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      // No process to run it in (fork failed): the machine's fault; the stage pauses and the task stays pending.
      resolve({ outcome: { status: 'failed', reason: `cannot start a process for ${req.input.path}: ${describeError(err)}`, stageFault: true } });
    });
    child.once('exit', (code, sig) => {
      signal.removeEventListener('abort', onAbort);
      if (answer) return resolve(answer);
      if (signal.aborted) return resolve({ aborted: true });
      if (sig && !OWN_FAULT_SIGNALS.has(sig)) return resolve({ killed: sig });
      resolve({ crashed: sig ? `the process died of ${sig}` : `the process exited with code ${code}` });
    });
    child.send(req);
  });
