/**
 * One side of the stages benchmark, in its own process so its peak RSS is its own:
 *   node stages-child.js thumbnail|metadata THREADS FILELIST
 * Runs our real worker modules through the engine's own worker pool (src/tasks/pool.ts: THREADS threads, one
 * dispatch module) with the engine's in-flight depth of 2 x THREADS tasks, one task per (photo, stage), and prints
 * { seconds, cpuSeconds, files, failed, maxRssKb } as JSON. CPU time covers all threads (steadier than wall time on
 * a busy machine). Thread start-up is excluded: warm-up tasks run before the clock starts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createWorkerPool } from '../src/tasks/pool.js';
import type { TaskInput } from '../src/extract/stage.js';
import type { DispatchRequest } from '../src/workers/protocol.js';

const [mode, threadsArg, listFile] = process.argv.slice(2);
const threads = Number(threadsArg);
const files = fs.readFileSync(listFile!, 'utf8').split('\n').filter(Boolean);
const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-stages-'));
const modules =
  mode === 'thumbnail'
    ? [new URL('../src/extract/thumbnail/work.js', import.meta.url).href]
    : [new URL('../src/extract/exif/work.js', import.meta.url).href, new URL('../src/extract/xmp/work.js', import.meta.url).href];
const pool = createWorkerPool(threads);
const signal = new AbortController().signal;

const input = (file: string, i: number): TaskInput => {
  const st = fs.statSync(file);
  return {
    taskId: i, fileId: i, stage: mode!, path: file, kind: 'image', ext: path.extname(file).slice(1).toLowerCase(),
    size: st.size, mtimeMs: st.mtimeMs, identity: `${i.toString(16).padStart(8, '0')}bench`, sidecarPath: null, cacheDir, options: {},
  };
};
const requests: DispatchRequest[] = files.flatMap((file, i) => modules.map((workerModule) => ({ workerModule, input: input(file, i) })));

// Threads start and load their modules once per run: warm every thread up so the timing is steady-state work.
await Promise.all(
  Array.from({ length: threads * 2 }, (_, i) => pool.run({ workerModule: modules[i % modules.length]!, input: { ...requests[0]!.input, identity: 'warmup' } }, signal)),
);

let failed = 0;
let next = 0;
const started = performance.now();
const cpuBefore = process.cpuUsage();
async function lane(): Promise<void> {
  while (next < requests.length) {
    const result = await pool.run(requests[next++]!, signal);
    if (!('outcome' in result) || result.outcome.status === 'failed') failed++;
  }
}
// The engine keeps twice as many tasks in flight as it has threads (src/tasks/runner.ts): so does this.
await Promise.all(Array.from({ length: threads * 2 }, lane));
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
await pool.close();
fs.rmSync(cacheDir, { recursive: true, force: true });
console.log(JSON.stringify({ seconds, cpuSeconds, files: files.length, failed, maxRssKb: process.resourceUsage().maxRSS }));
