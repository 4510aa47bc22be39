/**
 * Runs tasks one at a time in a child process of its own. Used for suspects (tasks that were running when the
 * process died): the parent learns how the child ended and which task it was running, so a crash is charged to a
 * task only when that task caused it. The child is kept for the next suspect and replaced when it dies.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describeError } from '../errors.js';
import type { StageOutcome } from '../extract/stage.js';
import type { DispatchRequest } from '../workers/protocol.js';
import type { PoolResult } from './pool.js';

/** Signals a process raises on itself when its own code fails: the task's doing. Anything else came from outside. */
const OWN_FAULT_SIGNALS: ReadonlySet<string> = new Set(['SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGFPE', 'SIGABRT', 'SIGTRAP', 'SIGSYS']);

/** What became of an isolated task: the pool's answers, or killed from outside (not the task's fault). */
export type IsolatedResult = PoolResult | { killed: string };

export type Isolate = (req: DispatchRequest, signal: AbortSignal) => Promise<IsolatedResult>;

export interface Isolation {
  run: Isolate;
  close(): void;
}

const entry = fileURLToPath(new URL('../workers/isolated-entry.js', import.meta.url));

interface Waiting {
  id: number;
  signal: AbortSignal;
  resolve: (r: IsolatedResult) => void;
}

/** One child at a time; the runner sends it one task at a time (suspects run alone). */
export function createIsolation(): Isolation {
  let child: ChildProcess | null = null;
  let current: Waiting | null = null;
  let nextId = 0;

  const start = (): ChildProcess => {
    const c = fork(entry, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'advanced' });
    c.on('message', (m: { id?: number; outcome?: StageOutcome }) => {
      if (current && m?.id === current.id && m.outcome) settle({ outcome: m.outcome });
    });
    c.once('error', (err) => {
      if (child === c) child = null;
      // No process to run it in (fork failed): the machine's fault; the stage pauses, the task stays pending.
      settle({ outcome: { status: 'failed', reason: `cannot start a process for a suspect task: ${describeError(err)}`, stageFault: true } });
    });
    c.once('exit', (code, sig) => {
      if (child === c) child = null;
      if (!current) return;
      if (current.signal.aborted) return settle({ aborted: true });
      if (sig && !OWN_FAULT_SIGNALS.has(sig)) return settle({ killed: sig });
      settle({ crashed: sig ? `the process died of ${sig}` : `the process exited with code ${code}` });
    });
    return c;
  };

  const settle = (result: IsolatedResult) => {
    const w = current;
    current = null;
    w?.resolve(result);
  };

  return {
    run(req, signal) {
      return new Promise((resolve) => {
        if (current) throw new Error('isolation runs one task at a time');
        current = { id: ++nextId, signal, resolve };
        // An abort (timeout, interrupt) kills the child: the task's thread of work cannot be stopped otherwise.
        signal.addEventListener('abort', () => child?.kill('SIGKILL'), { once: true });
        child ??= start();
        child.send({ id: current.id, req });
      });
    },
    close() {
      child?.disconnect();
      child = null;
    },
  };
}
