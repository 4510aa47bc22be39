/**
 * search benchmark (BENCH_ONLY=search): search at scale through the product's own code on a real catalog. For each
 * size (default 1M and 10M; BENCH_QUICK 100k; BENCH_SEARCH_SIZES=n,n overrides) a child process writes a synthetic
 * catalog of clustered 512-d embeddings and builds the index with refreshIndexes(), as phase 2 does; another times
 * the search path after load, with recall@20 against the exact ranking, index size and memory (search-ann-child.ts);
 * before that, one search in a new process (what each `indexer search` pays), with the index read from disk and cached.
 *
 * The catalog and index are kept in BENCH_SEARCH_CACHE (default /tmp/indexer-bench-search/N) and reused when present:
 * 10M is ~27 GB of catalog and an hour or more of index build on 2 cores, so it is only built with BENCH_SEARCH_BUILD=1 (or
 * when its cache is there). Delete the folder to start over; nothing of it is in the repository.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'search-ann-child.js');
/**
 * Bytes per photo: the catalog (float32 vector, file and exif rows, indexes; 16 KiB pages, bulk-load.ts) and the
 * index (int8 vector + graph). Disk the build leaves free for everything else on the machine.
 */
const catalogBytesPerRow = 2_700;
const indexBytesPerRow = 700;
const spareDisk = 8 * 2 ** 30;

export async function benchSearch(o: { quick: boolean }): Promise<void> {
  const sizes = process.env.BENCH_SEARCH_SIZES
    ? process.env.BENCH_SEARCH_SIZES.split(',').map(Number)
    : o.quick
      ? [100_000]
      : [1_000_000, 10_000_000];
  const cacheRoot = process.env.BENCH_SEARCH_CACHE ?? path.join(os.tmpdir(), 'indexer-bench-search');
  for (const n of sizes) {
    const dir = path.join(cacheRoot, String(n));
    console.log(`search over ${n.toLocaleString('en')} embeddings (cache ${dir}):`);
    if (!fs.existsSync(path.join(dir, 'ready.json'))) {
      const why = cannotBuild(n, cacheRoot);
      if (why) {
        console.log(`  not measured: ${why}`);
        continue;
      }
      console.log(`  no cache yet: writing the catalog and building the index (once; later runs reuse it)`);
      const built = spawnSync(process.execPath, [child, 'build', String(n), dir], { stdio: 'inherit' });
      if (built.status !== 0) {
        console.log(`  build failed (exit ${built.status ?? built.signal})`);
        continue;
      }
    }
    firstSearches(n, dir);
    const q = spawnSync(process.execPath, [child, 'query', String(n), dir], { stdio: 'inherit' });
    if (q.status !== 0) console.log(`  query step failed (exit ${q.status ?? q.signal})`);
  }
}

/** Why this size cannot be built here now, or null. */
function cannotBuild(n: number, cacheRoot: string): string | null {
  fs.mkdirSync(cacheRoot, { recursive: true });
  const st = fs.statfsSync(cacheRoot);
  const needDisk = n * (catalogBytesPerRow + indexBytesPerRow);
  const needMemory = n * indexBytesPerRow * 1.3; // the graph is built in memory before it is saved
  const gb = (b: number) => `${(b / 2 ** 30).toFixed(1)} GB`;
  if (st.bavail * st.bsize < needDisk * 1.1 + spareDisk) return `needs about ${gb(needDisk)} of disk under ${cacheRoot}, ${gb(st.bavail * st.bsize)} free`;
  if (os.freemem() < needMemory) return `the build needs about ${gb(needMemory)} of memory, ${gb(os.freemem())} free`;
  if (n >= 10_000_000 && !process.env.BENCH_SEARCH_BUILD) {
    return `no cache; ${estimate(n, cacheRoot) ?? `building it takes hours on 2 cores and ${gb(needDisk)} of disk`}: BENCH_SEARCH_BUILD=1 builds it once`;
  }
  return null;
}

/**
 * What building size n would take, extrapolated from a built smaller size in the same cache root (its catalog file
 * and its ready.json): HNSW insertion costs about n log n, the catalog grows linearly.
 */
function estimate(n: number, cacheRoot: string): string | null {
  const sizes = fs.existsSync(cacheRoot) ? fs.readdirSync(cacheRoot).map(Number).filter((m) => m > 0 && m < n) : [];
  for (const m of sizes.sort((a, b) => b - a)) {
    try {
      const ready = JSON.parse(fs.readFileSync(path.join(cacheRoot, String(m), 'ready.json'), 'utf8')) as { writeS: number; buildS: number; buildCpuS: number; pageSize?: number };
      // A catalog written before the bulk writer (no pageSize recorded) took ~10x longer and ~1.7x the disk per row.
      const catalogBytes = ready.pageSize ? fs.statSync(path.join(cacheRoot, String(m), 'catalog.db')).size : m * catalogBytesPerRow;
      const writing = ready.pageSize ? `writing the catalog ~${(ready.writeS * (n / m) / 3600).toFixed(1)} h, ` : '';
      const indexBytes = fs.readdirSync(path.join(cacheRoot, String(m), 'cache', 'search')).filter((f) => f.endsWith('.usearch')).reduce((a, f) => a + fs.statSync(path.join(cacheRoot, String(m), 'cache', 'search', f)).size, 0);
      const r = n / m;
      const cpuS = ready.buildCpuS * r * (Math.log(n) / Math.log(m));
      const h = (sec: number) => `${(sec / 3600).toFixed(1)} h`;
      const gb = (b: number) => `${(b / 2 ** 30).toFixed(0)} GB`;
      return (
        `from the ${m.toLocaleString('en')} build here: ${writing}the index ~${h(cpuS)} of CPU ` +
        `(${h(cpuS / os.availableParallelism())} on all ${os.availableParallelism()} cores if idle), ~${gb(catalogBytes * r)} of catalog and ` +
        `~${gb(indexBytes * r)} of index on disk, the index held in memory while it is built (~${gb(indexBytes * r * 1.3)})`
      );
    } catch {
      continue;
    }
  }
  return null;
}

/**
 * What one `indexer search` process pays at this size, opening included: with the index file read from disk (dropped
 * from the page cache first, as after a reboot: `dd iflag=nocache`) and with it in the page cache (run again).
 */
function firstSearches(n: number, dir: string): void {
  const indexes = fs.readdirSync(path.join(dir, 'cache', 'search')).filter((f) => f.endsWith('.usearch'));
  const once = () => {
    const r = spawnSync(process.execPath, [child, 'first', String(n), dir], { encoding: 'utf8' });
    try {
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number; rssMB: number };
    } catch {
      return null;
    }
  };
  const drop = (f: string) => spawnSync('dd', [`if=${path.join(dir, 'cache', 'search', f)}`, 'iflag=nocache', 'count=0'], { stdio: 'ignore' }).status === 0;
  const dropped = indexes.length > 0 && indexes.map(drop).every(Boolean);
  const cold = once();
  const warm = [once(), once()].filter((x) => x !== null).sort((a, b) => a.ms - b.ms)[0];
  if (!cold || !warm) {
    console.log('  one search in a new process: failed');
    return;
  }
  const coldWhat = dropped ? 'index file read from disk (dropped from the page cache first)' : 'index file as the page cache had it (dd could not drop it)';
  console.log(
    `  one search in a new process, as each \`indexer search\` (from opening the catalog to the described results; Node's start aside): ${(cold.ms / 1000).toFixed(2)} s with the ${coldWhat}, ` +
      `${(warm.ms / 1000).toFixed(2)} s with it in the page cache (best of 2); RSS ${warm.rssMB} MB`,
  );
}
