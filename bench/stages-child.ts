/**
 * One side of the stages benchmark, in its own process so its peak RSS is its own:
 *   node stages-child.js thumbnail|thumbnail+source|metadata THREADS FILELIST
 * (thumbnail+source: also the clip source the thumbnail stage keeps when CLIP is in use, src/extract/clip/source-file.ts)
 * Runs our real worker modules through the engine's own worker pool (src/tasks/pool.ts: THREADS threads, one
 * dispatch module) the way the engine's scheduler feeds it: one task per (photo, stage); thumbnails unbatched with
 * 2 x THREADS in flight, metadata batched (pool-batch.ts) with the pool's batched depth in flight, a photo's exif and
 * xmp tasks side by side as the engine claims them (src/catalog/tasks.ts), so they share one read of the file.
 * Prints { seconds, cpuSeconds, files, failed, maxRssKb, passes? } as JSON. CPU time covers all threads (steadier
 * than wall time on a busy machine). Thread start-up is excluded: warm-up tasks run before the clock starts.
 * Metadata runs the list four times and times each pass: the first ones include V8's warm-up (each thread compiles
 * exifr and our parsers as they get hot, which goes on for a few thousand photos per thread); the last is the steady
 * state a library of many thousands of photos runs at. seconds/cpuSeconds are the last pass's.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createWorkerPool, type RunHooks } from '../src/tasks/pool.js';
import type { TaskInput } from '../src/extract/stage.js';
import type { DispatchRequest } from '../src/workers/protocol.js';

const [mode, threadsArg, listFile] = process.argv.slice(2);
const threads = Number(threadsArg);
const files = fs.readFileSync(listFile!, 'utf8').split('\n').filter(Boolean);
const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-stages-'));
const thumbnails = mode === 'thumbnail' || mode === 'thumbnail+source';
const modules =
  thumbnails
    ? [new URL('../src/extract/thumbnail/work.js', import.meta.url).href]
    : [new URL('../src/extract/exif/work.js', import.meta.url).href, new URL('../src/extract/xmp/work.js', import.meta.url).href];
const pool = createWorkerPool(threads);
// The scheduler's choices (src/tasks/runner.ts): metadata is the batched lane, with its own depth.
const batched = !thumbnails;
const hooks: RunHooks | undefined = batched ? { batch: true } : undefined;
const depth = batched ? threads * (pool.batchDepthPerThread ?? 2) : threads * 2;
const signal = () => new AbortController().signal;
/** Passes over the list for metadata (see below). */
const metadataPasses = 4;

const input = (file: string, i: number): TaskInput => {
  const st = fs.statSync(file);
  return {
    taskId: i, fileId: i, stage: thumbnails ? 'thumbnail' : mode!, path: file, kind: 'image', ext: path.extname(file).slice(1).toLowerCase(),
    size: st.size, mtimeMs: st.mtimeMs, identity: `${i.toString(16).padStart(8, '0')}bench`, sidecarPath: null, cacheDir,
    options: mode === 'thumbnail+source' ? { clipSource: true } : {},
  };
};
// Photo by photo, each photo's stages side by side, as the engine claims a lane's tasks.
const requests: DispatchRequest[] = files.flatMap((file, i) => modules.map((workerModule) => ({ workerModule, input: input(file, i) })));

// Threads start and load their modules once per run: warm every thread up so the timing is steady-state work.
await Promise.all(
  Array.from({ length: threads * 2 }, (_, i) => pool.run({ workerModule: modules[i % modules.length]!, input: { ...requests[0]!.input, identity: 'warmup' } }, signal())),
);

/** One pass over every request, fed like the scheduler feeds the pool; returns wall and CPU seconds and failures. */
async function pass(): Promise<{ seconds: number; cpuSeconds: number; failed: number }> {
  let failed = 0;
  let next = 0;
  let inFlight = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const childrenBefore = childrenCpuSeconds();
  // Like the scheduler: top the queue up to its depth, and (batched) only once half of it has drained, so tasks leave
  // in groups the pool can batch.
  await new Promise<void>((resolve) => {
    const fill = () => {
      if (next >= requests.length && inFlight === 0) return resolve();
      if (batched && inFlight > depth / 2) return;
      while (inFlight < depth && next < requests.length) {
        inFlight++;
        void pool.run(requests[next++]!, signal(), hooks).then((result) => {
          if (!('outcome' in result) || result.outcome.status === 'failed') failed++;
          inFlight--;
          fill();
        });
      }
    };
    fill();
  });
  const cpu = process.cpuUsage(cpuBefore);
  const children = childrenCpuSeconds() - childrenBefore;
  return { seconds: (performance.now() - started) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 + children, failed };
}

/**
 * CPU time of finished child processes (the native HEIF decoder runs `vips` per photo): cutime + cstime from
 * /proc/self/stat, in clock ticks of 1/100 s. 0 where /proc is not there.
 */
function childrenCpuSeconds(): number {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return 0;
  }
}

// Metadata: V8 keeps compiling exifr's and our hot paths in each thread for the first few thousand photos, so the
// list runs several times; every pass is reported and the last one is the steady state.
const passes: { seconds: number; cpuSeconds: number; failed: number }[] = [];
for (let i = 0; i < (batched ? metadataPasses : 1); i++) passes.push(await pass());
const { seconds, cpuSeconds, failed } = passes.at(-1)!;
await pool.close();
fs.rmSync(cacheDir, { recursive: true, force: true });
console.log(JSON.stringify({ seconds, cpuSeconds, files: files.length, failed, maxRssKb: process.resourceUsage().maxRSS, passes }));
