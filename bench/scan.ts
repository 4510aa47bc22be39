/**
 * scan benchmark: an unchanged rescan of a large tree against `find ROOT -type f -printf '%s %T@ %p\n'` on the same
 * tree in the same run (both as child processes, median of 3, page cache warm). Goal: ratio <= 1.5x. Prints peak RSS,
 * and CPU time (user + system, all threads) next to wall time: steadier than wall time on a shared machine.
 * The tree (empty files, 100 per folder) and its catalog are built once under /tmp/indexer-bench; one untimed rescan
 * before the timed ones brings the catalog up to date (see below).
 * BENCH_QUICK=1 uses 20,000 files; BENCH_SCAN_FILES=N picks any size (e.g. 1000000 for the memory check).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mib } from './format.js';

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
    console.log(`initial scan of ${files} files: ${first.seconds.toFixed(2)}s, peak RSS ${mib(first.maxRssKb)}`);
  }
  const findRuns: Timing[] = [];
  const scanRuns: Timing[] = [];
  runFind(tree); // warm the page cache for both
  // Untimed: leaves the catalog as a cron rescan finds it (one made by an older indexer is migrated and gets its
  // folder digests here, a one-off cost that is not what this benchmark measures).
  runIndexer(catalog, tree);
  for (let i = 0; i < 3; i++) {
    findRuns.push(runFind(tree));
    scanRuns.push(runIndexer(catalog, tree));
  }
  const startups: Timing[] = [];
  const tiny = tinyTree(base);
  runIndexer(path.join(base, 'catalog-tiny.db'), tiny); // untimed, as above
  const nodeAlone: Timing[] = [];
  for (let i = 0; i < 3; i++) {
    startups.push(runIndexer(path.join(base, 'catalog-tiny.db'), tiny));
    nodeAlone.push(runNodeAlone());
  }
  const find = { wall: median(findRuns.map((r) => r.seconds)), cpu: median(findRuns.map((r) => r.cpuSeconds)) };
  const scan = { wall: median(scanRuns.map((r) => r.seconds)), cpu: median(scanRuns.map((r) => r.cpuSeconds)) };
  const startup = { wall: median(startups.map((r) => r.seconds)), cpu: median(startups.map((r) => r.cpuSeconds)) };
  const node = { wall: median(nodeAlone.map((r) => r.seconds)), cpu: median(nodeAlone.map((r) => r.cpuSeconds)) };
  const rss = Math.max(...scanRuns.map((r) => r.maxRssKb));
  console.log(`files: ${files} in ${Math.ceil(files / PER_FOLDER)} folders`);
  console.log(`find -printf:          ${find.wall.toFixed(3)}s wall, ${find.cpu.toFixed(3)}s CPU (medians of 3)`);
  console.log(`indexer scan (rescan): ${scan.wall.toFixed(3)}s wall, ${scan.cpu.toFixed(3)}s CPU (medians of 3), peak RSS ${mib(rss)}`);
  console.log(`ratio indexer/find:    ${(scan.wall / find.wall).toFixed(2)}x wall (goal <= 1.5x), ${(scan.cpu / find.cpu).toFixed(2)}x CPU`);
  // Start-up: the same command on a one-file tree (node, module loading, catalog open and lock). Node's own boot is
  // the floor no change here can lower; the rest is the CLI's (modules, walker thread, catalog, lock).
  console.log(
    `  of which start-up (scan of a 1-file tree): ${startup.wall.toFixed(3)}s wall, ${startup.cpu.toFixed(3)}s CPU; ` +
      `without it ${((scan.wall - startup.wall) / find.wall).toFixed(2)}x wall`,
  );
  console.log(
    `    of which node's own boot (node -e, same child report): ${node.wall.toFixed(3)}s wall, ${node.cpu.toFixed(3)}s CPU; ` +
      `the CLI's own start-up ${(startup.wall - node.wall).toFixed(3)}s wall, ${(startup.cpu - node.cpu).toFixed(3)}s CPU`,
  );
}

interface Timing {
  seconds: number;
  /** User + system CPU of the child, all its threads. */
  cpuSeconds: number;
  maxRssKb: number;
}

function tinyTree(base: string): string {
  const tiny = path.join(base, 'tree-1');
  fs.mkdirSync(tiny, { recursive: true });
  fs.closeSync(fs.openSync(path.join(tiny, 'IMG_0000001.jpg'), 'w'));
  return tiny;
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

/** find in a shell whose `times` reports the children's CPU (user and system) on its last line. */
function runFind(tree: string): Timing {
  const t0 = process.hrtime.bigint();
  const res = spawnSync('sh', ['-c', 'find "$1" -type f -printf \'%s %T@ %p\\n\' >/dev/null && times', 'sh', tree], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (res.status !== 0) throw new Error(`find failed with ${res.status}`);
  const children = res.stdout.trim().split('\n').pop()!.split(/\s+/).map(minutesSeconds);
  return { seconds, cpuSeconds: children[0]! + children[1]!, maxRssKb: 0 };
}

/** `0m0.310000s` -> 0.31 */
function minutesSeconds(t: string): number {
  const m = /^(\d+)m([\d.]+)s$/.exec(t);
  if (!m) throw new Error(`unexpected times output '${t}'`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** The CLI in a child that reports its own peak RSS (getrusage) on its last stderr line. */
function runIndexer(catalog: string, tree: string): Timing {
  const t0 = process.hrtime.bigint();
  const res = spawnSync(process.execPath, [here, '--child', '--db', catalog, '--quiet', 'scan', '--no-extract', tree], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (res.status !== 0) throw new Error(`indexer scan exited ${res.status}: ${res.stderr}`);
  const last = res.stderr.trim().split('\n').pop()!;
  const usage = JSON.parse(last);
  return { seconds, cpuSeconds: usage.cpuMicros / 1e6, maxRssKb: usage.maxRssKb };
}

/** A bare node child that reports its usage the way the indexer child does: the floor of any node CLI's start-up. */
function runNodeAlone(): Timing {
  const report =
    'const u = process.resourceUsage(); process.stderr.write(JSON.stringify({ maxRssKb: u.maxRSS, cpuMicros: u.userCPUTime + u.systemCPUTime }) + "\\n")';
  const t0 = process.hrtime.bigint();
  const res = spawnSync(process.execPath, ['-e', report], { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (res.status !== 0) throw new Error(`node -e exited ${res.status}: ${res.stderr}`);
  const usage = JSON.parse(res.stderr.trim().split('\n').pop()!);
  return { seconds, cpuSeconds: usage.cpuMicros / 1e6, maxRssKb: usage.maxRssKb };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}


if (process.argv[1] === here && process.argv[2] === '--child') {
  const { main } = await import('../src/cli/main.js');
  const code = await main([process.argv[0]!, 'indexer', ...process.argv.slice(3)]);
  const usage = process.resourceUsage();
  process.stderr.write(JSON.stringify({ maxRssKb: usage.maxRSS, cpuMicros: usage.userCPUTime + usage.systemCPUTime }) + '\n');
  process.exitCode = code;
}
