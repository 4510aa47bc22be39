/**
 * scan benchmark: an unchanged rescan of a large tree against `find ROOT -type f -printf '%s %T@ %p\n'` on the same
 * tree in the same run (both as child processes, median of 3, page cache warm). Goal: ratio <= 1.5x. Prints peak RSS.
 * The tree (empty files, 100 per folder) and its catalog are built once under /tmp/indexer-bench.
 * BENCH_QUICK=1 uses 20,000 files; BENCH_SCAN_FILES=N picks any size (e.g. 1000000 for the memory check).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const repoRoot = path.resolve(path.dirname(here), '..', '..');
const PER_FOLDER = 100;

export async function benchScan(o: { quick: boolean }): Promise<void> {
  const files = Number(process.env.BENCH_SCAN_FILES ?? (o.quick ? 20_000 : 200_000));
  const base = process.env.BENCH_DIR ?? '/tmp/indexer-bench';
  const tree = path.join(base, `tree-${files}`);
  const catalog = path.join(base, `catalog-${files}.db`);
  buildTree(tree, files);
  if (!fs.existsSync(catalog)) {
    const first = runIndexer(catalog, tree);
    console.log(`initial scan of ${files} files: ${first.seconds.toFixed(2)}s, peak RSS ${mb(first.maxRssKb)}`);
  }
  const findRuns: number[] = [];
  const scanRuns: { seconds: number; maxRssKb: number }[] = [];
  runFind(tree); // warm the page cache for both
  for (let i = 0; i < 3; i++) {
    findRuns.push(runFind(tree));
    scanRuns.push(runIndexer(catalog, tree));
  }
  const startups: number[] = [];
  for (let i = 0; i < 3; i++) startups.push(runStartup());
  const find = median(findRuns);
  const scan = median(scanRuns.map((r) => r.seconds));
  const startup = median(startups);
  const rss = Math.max(...scanRuns.map((r) => r.maxRssKb));
  console.log(`files: ${files} in ${Math.ceil(files / PER_FOLDER)} folders`);
  console.log(`find -printf:          ${find.toFixed(3)}s (median of 3)`);
  console.log(`indexer scan (rescan): ${scan.toFixed(3)}s (median of 3), peak RSS ${mb(rss)}`);
  console.log(`ratio indexer/find:    ${(scan / find).toFixed(2)}x (goal <= 1.5x)`);
  // The CLI loads every command's modules (sharp, onnxruntime, piscina...) before it starts: a fixed cost.
  console.log(`  of which CLI start-up (indexer --help): ${startup.toFixed(3)}s; without it ${((scan - startup) / find).toFixed(2)}x`);
}

function runStartup(): number {
  const t0 = process.hrtime.bigint();
  spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'indexer.js'), '--help'], { stdio: 'ignore' });
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function buildTree(tree: string, files: number): void {
  const done = path.join(tree, '.complete');
  if (fs.existsSync(done)) return;
  fs.rmSync(tree, { recursive: true, force: true });
  const started = Date.now();
  for (let i = 0; i < files; i++) {
    const dir = path.join(tree, `y${String(Math.floor(i / 10_000)).padStart(3, '0')}`, `d${String(Math.floor(i / PER_FOLDER)).padStart(5, '0')}`);
    if (i % PER_FOLDER === 0) fs.mkdirSync(dir, { recursive: true });
    fs.closeSync(fs.openSync(path.join(dir, `IMG_${String(i).padStart(7, '0')}.jpg`), 'w'));
  }
  fs.writeFileSync(done, '');
  console.log(`built ${files}-file tree in ${((Date.now() - started) / 1000).toFixed(1)}s at ${tree}`);
}

function runFind(tree: string): number {
  const t0 = process.hrtime.bigint();
  const res = spawnSync('find', [tree, '-type', 'f', '-printf', '%s %T@ %p\n'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (res.status !== 0) throw new Error(`find failed with ${res.status}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** The CLI in a child that reports its own peak RSS (getrusage) on its last stderr line. */
function runIndexer(catalog: string, tree: string): { seconds: number; maxRssKb: number } {
  const t0 = process.hrtime.bigint();
  const res = spawnSync(process.execPath, [here, '--child', '--db', catalog, '--quiet', 'scan', '--no-extract', tree], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (res.status !== 0) throw new Error(`indexer scan exited ${res.status}: ${res.stderr}`);
  const last = res.stderr.trim().split('\n').pop()!;
  return { seconds, maxRssKb: JSON.parse(last).maxRssKb };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function mb(kb: number): string {
  return `${(kb / 1024).toFixed(0)} MiB`;
}

if (process.argv[1] === here && process.argv[2] === '--child') {
  const { main } = await import('../src/cli/main.js');
  const code = await main([process.argv[0]!, 'indexer', ...process.argv.slice(3)]);
  process.stderr.write(JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }) + '\n');
  process.exitCode = code;
}
