/** Worker half of the test stages (see stages.ts). */
import fs from 'node:fs';
import path from 'node:path';
import type { StageOutcome, TaskInput } from '../../src/extract/stage.js';

export async function run(input: TaskInput): Promise<StageOutcome> {
  const env = (input.options.env ?? {}) as Record<string, string>;
  const name = path.basename(input.path);
  switch (input.stage) {
    case 'trivial':
    case 'after':
      return { status: 'done', value: { size: input.size } };
    case 'crashtest':
      return crashtest(input, env);
    case 'poison':
      // A crash of its own making, as a decoder's segfault would be (a SIGKILL would say "killed from outside").
      if (name.includes('poison')) process.kill(process.pid, 'SIGSEGV');
      return { status: 'done', value: { ok: true } };
    case 'broken':
      return { status: 'failed', reason: 'the inference device is gone', stageFault: true };
    case 'slow':
      if (name.includes('slow')) await new Promise((r) => setTimeout(r, Number(env.TEST_SLOW_MS ?? 60_000)));
      return { status: 'done', value: { slow: name.includes('slow') } };
    case 'flaky':
      return flaky(input, env);
    default:
      return { status: 'failed', reason: `no test stage ${input.stage}` };
  }
}

/** Writes the output atomically and logs the execution; a little work so a kill can land mid-flight. */
async function crashtest(input: TaskInput, env: Record<string, string>): Promise<StageOutcome> {
  const dir = path.join(input.cacheDir, 'crashtest');
  fs.mkdirSync(path.join(dir, '.tmp'), { recursive: true });
  const delay = Number(env.TEST_CRASH_DELAY_MS ?? 3);
  if (delay > 0) await new Promise((r) => setTimeout(r, Math.random() * delay));
  const out = path.join(dir, `${input.fileId}.out`);
  const tmp = path.join(dir, '.tmp', `${input.fileId}.${process.pid}.${input.taskId}.tmp`);
  fs.writeFileSync(tmp, `${input.path}\n${input.size}\n`);
  fs.renameSync(tmp, out);
  fs.appendFileSync(path.join(dir, 'executions.log'), `${input.fileId}\n`);
  return { status: 'done', value: { out } };
}

function flaky(input: TaskInput, env: Record<string, string>): StageOutcome {
  const fails = Number(env.TEST_FLAKY_FAILS ?? 1);
  const counter = path.join(input.cacheDir, 'flaky', `${input.fileId}`);
  fs.mkdirSync(path.dirname(counter), { recursive: true });
  const seen = fs.existsSync(counter) ? Number(fs.readFileSync(counter, 'utf8')) : 0;
  fs.writeFileSync(counter, String(seen + 1));
  if (seen < fails) return { status: 'failed', reason: `${input.path}: flaky failure ${seen + 1}` };
  return { status: 'done', value: { attempts: seen + 1 } };
}
