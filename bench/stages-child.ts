/**
 * One side of the stages benchmark, in its own process so its peak RSS is its own:
 *   node stages-child.js thumbnail|metadata THREADS FILELIST
 * Runs our real worker modules on a piscina pool (as the engine does) with THREADS threads and 2 x THREADS tasks in flight (the engine's depth), and prints
 * { seconds, cpuSeconds, files, failed, maxRssKb } as JSON (CPU time of all threads: steadier than wall time on a
 * busy machine). Thread start-up is excluded (warm-up tasks before the clock starts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Piscina } from 'piscina';
import type { TaskInput } from '../src/extract/stage.js';

const [mode, threadsArg, listFile] = process.argv.slice(2);
const threads = Number(threadsArg);
const files = fs.readFileSync(listFile!, 'utf8').split('\n').filter(Boolean);
const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-stages-'));
const modules =
  mode === 'thumbnail'
    ? [new URL('../src/extract/thumbnail/work.js', import.meta.url).href]
    : [new URL('../src/extract/exif/work.js', import.meta.url).href, new URL('../src/extract/xmp/work.js', import.meta.url).href];
const pools = modules.map((filename) => new Piscina({ filename, minThreads: threads, maxThreads: threads }));

const inputs: TaskInput[] = files.map((file, i) => {
  const st = fs.statSync(file);
  return {
    taskId: i, fileId: i, stage: mode!, path: file, kind: 'image', ext: path.extname(file).slice(1).toLowerCase(),
    size: st.size, mtimeMs: st.mtimeMs, identity: `${i.toString(16).padStart(8, '0')}bench`, sidecarPath: null, cacheDir, options: {},
  };
});

// Threads start and load their modules once per run: warm every thread up so the timing is steady-state work.
await Promise.all(pools.flatMap((pool) => Array.from({ length: threads }, () => pool.run({ ...inputs[0]!, identity: 'warmup' }, { name: 'run' }))));

let failed = 0;
let next = 0;
const started = performance.now();
const cpuBefore = process.cpuUsage();
async function lane(): Promise<void> {
  while (next < inputs.length) {
    const input = inputs[next++]!;
    for (const pool of pools) {
      const outcome = (await pool.run(input, { name: 'run' })) as { status: string };
      if (outcome.status === 'failed') failed++;
    }
  }
}
// The engine keeps twice as many tasks in flight as it has threads (src/tasks/runner.ts): so does this.
await Promise.all(Array.from({ length: threads * 2 }, lane));
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
await Promise.all(pools.map((p) => p.destroy()));
fs.rmSync(cacheDir, { recursive: true, force: true });
console.log(JSON.stringify({ seconds, cpuSeconds, files: inputs.length, failed, maxRssKb: process.resourceUsage().maxRSS }));
