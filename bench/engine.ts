/**
 * engine benchmark: tasks per second of the whole phase-2 engine (plan, claim, dispatch, commit in batched
 * transactions, leases) with a trivial stage, against the bare worker pool running the same worker with the same
 * in-flight depth and no catalog, in the same run. The ratio is the engine's overhead. Two sizes show whether peak
 * RSS stays flat as the backlog grows. BENCH_QUICK=1: one small size. BENCH_ENGINE_TASKS=N: one size of your choice.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mib } from './format.js';

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'engine-child.js');

interface Measure {
  seconds: number;
  tasksPerSecond: number;
  maxRssKb: number;
  threads: number;
}

function measure(mode: 'engine' | 'bare', n: number): Measure {
  const res = spawnSync(process.execPath, [child, mode, String(n)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (res.status !== 0) throw new Error(`engine benchmark (${mode}, ${n}) failed with ${res.status}`);
  return JSON.parse(res.stdout.trim().split('\n').pop()!) as Measure;
}


export async function benchEngine(o: { quick: boolean }): Promise<void> {
  const sizes = process.env.BENCH_ENGINE_TASKS ? [Number(process.env.BENCH_ENGINE_TASKS)] : o.quick ? [2_000] : [20_000, 100_000];
  for (const n of sizes) {
    const bare = measure('bare', n);
    const engine = measure('engine', n);
    console.log(`tasks: ${n}, trivial stage, ${engine.threads} worker threads`);
    console.log(`  bare pool (no catalog):  ${bare.tasksPerSecond.toFixed(0)} tasks/s, peak RSS ${mib(bare.maxRssKb)}`);
    console.log(`  engine (indexer):        ${engine.tasksPerSecond.toFixed(0)} tasks/s, peak RSS ${mib(engine.maxRssKb)} (includes planning ${n} tasks)`);
    console.log(`  ratio engine/bare:       ${(engine.tasksPerSecond / bare.tasksPerSecond).toFixed(2)}x throughput; overhead ${((1 / engine.tasksPerSecond - 1 / bare.tasksPerSecond) * 1e6).toFixed(0)} µs/task`);
  }
}
