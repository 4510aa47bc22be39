/**
 * One process per step of the search-at-scale bench, so each step's memory is its own:
 *   build N DIR  writes the synthetic catalog (search-scale-data.ts), then builds the index with refreshIndexes(), the
 *                function phase 2 runs after the clip stage; records the times in DIR/ready.json.
 *   index N DIR  the same on a catalog `build` already wrote (a build stopped while indexing: its catalog stays
 *                good, and writing 10M rows again costs a quarter of an hour); BENCH_SEARCH_WRITE_S, if given, is the
 *                writing time to record.
 *   first N DIR  one text search in a new process (what each `indexer search` pays: the index mapped, then searched).
 *   query N DIR  opens the catalog as `indexer search` does and times what search runs once the query is embedded
 *                (catalogFilter, rank(), describeFiles: the functions src/search/search.ts calls), for text-like queries,
 *                --like on an indexed photo (its stored vector), --after and --camera; recall@20 against the exact
 *                float32 ranking over every stored vector (filters applied), exactness of the printed scores, RSS.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openCatalog, type Db } from '../src/catalog/open.js';
import { reclaimWalSpace } from '../src/catalog/maintenance.js';
import { describeFiles, embeddingOf, fileFilter, modelGeneration, vectorBatches, type SearchFilters } from '../src/catalog/embeddings.js';
import { catalogFilter } from '../src/search/candidate-filter.js';
import { readManifest } from '../src/search/ann-index.js';
import { annBase, beamFor, refreshIndexes, thresholdFrom } from '../src/search/ann-store.js';
import { allowFor } from '../src/search/quantized.js';
import { cacheFileFor, readLayout } from '../src/search/vector-cache.js';
import { rank } from '../src/search/rank.js';
import { topK, type Hit } from '../src/search/vectors.js';
import { cameras, dim, firstDay, lcg, modelId, spanMs, space, textVector, writeCatalog } from './search-scale-data.js';
import { createWithPageSize } from './bulk-load.js';

/** The bench catalog's page size (bulk-load.ts): 16 KiB pages store the 10M catalog in ~27 GB instead of ~45. */
const catalogPageSize = 16_384;

const [mode, nArg, dir] = process.argv.slice(2) as [string, string, string];
const n = Number(nArg);
const dbPath = path.join(dir, 'catalog.db');
const place = { dir: path.join(dir, 'cache'), catalogPath: dbPath };
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const cpuS = () => {
  const u = process.resourceUsage();
  return (u.userCPUTime + u.systemCPUTime) / 1e6;
};

if (mode === 'build' || mode === 'index') await build(mode === 'index');
else if (mode === 'first') await first();
else await query();

/**
 * One text search in a new process, as each `indexer search` is: opening the catalog and mapping the index included.
 * Prints {ms, rssMB} as JSON for search-ann.ts.
 */
async function first(): Promise<void> {
  const t = performance.now();
  const db = openCatalog(dbPath, { readonly: true });
  await searchAsTheCliDoes(db, querySets(db)[0]!.vectors[0]!, {}, false);
  console.log(JSON.stringify({ ms: performance.now() - t, rssMB: Number(mb(process.memoryUsage().rss)) }));
  db.close();
}

/** What `indexer search` runs once the query is embedded: the ranking, then the results' paths. */
async function searchAsTheCliDoes(db: Db, q: Float32Array, filters: SearchFilters, isLike: boolean): Promise<Hit[]> {
  if (isLike) embeddingOf(db, 1); // what --like on an indexed photo reads first
  const hits = await rank(db, modelId, q, { limit: 20, filter: catalogFilter(db, filters), exact: false, cache: place, env: process.env });
  describeFiles(db, hits.map((h) => h.fileId));
  return hits;
}

async function build(written: boolean): Promise<void> {
  if (!written) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    await createWithPageSize(dbPath, catalogPageSize);
  }
  const db = openCatalog(dbPath);
  let t = performance.now();
  let last = t;
  if (!written) writeCatalog(db, n, path.join(dir, 'photos'), (done) => {
    if (performance.now() - last > 60_000) {
      last = performance.now();
      const s = (last - t) / 1000;
      console.log(`  writing the catalog: ${done.toLocaleString('en')} of ${n.toLocaleString('en')} in ${s.toFixed(0)} s (${(done / s).toFixed(0)} rows/s), ${mb(fs.statSync(dbPath).size)} MB`);
    }
  });
  const writeS = written ? Number(process.env.BENCH_SEARCH_WRITE_S) || 0 : (performance.now() - t) / 1000;
  console.log(`  catalog written in ${writeS.toFixed(0)} s (${(n / writeS).toFixed(0)} rows/s), ${mb(fs.statSync(dbPath).size)} MB; building the index (refreshIndexes) at ${new Date().toISOString()}`);
  reclaimWalSpace(db);
  t = performance.now();
  const cpu0 = cpuS();
  const done = refreshIndexes(db, place, thresholdFrom(process.env));
  const buildS = (performance.now() - t) / 1000;
  const buildCpuS = cpuS() - cpu0;
  if (done[0]?.outcome !== 'done') throw new Error(`index build: ${JSON.stringify(done)}`);
  const ready = { n, writeS, buildS, buildCpuS, buildPeakRssMB: Number(mb(process.resourceUsage().maxRSS * 1024)), load: os.loadavg()[0], at: new Date().toISOString(), pageSize: catalogPageSize };
  fs.writeFileSync(path.join(dir, 'ready.json'), JSON.stringify(ready));
  console.log(`  index built in ${buildS.toFixed(0)} s (${buildCpuS.toFixed(0)} s CPU); the exact top 20 of every bench query, in one pass`);
  t = performance.now();
  cachedTruth(db, querySets(db));
  console.log(`  exact top 20 cached in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  db.close();
}

/** The bench's queries (fixed seeds: the same every run, so their exact answers can be cached). */
function querySets(db: Db): QuerySet[] {
  const rand = lcg(99);
  const s = space();
  const text = Array.from({ length: 20 }, () => textVector(s, rand));
  const like = Array.from({ length: 20 }, () => embeddingOf(db, 1 + Math.floor(rand() * n))!.vector);
  return [
    { name: 'text', filters: {}, vectors: text },
    { name: '--like (an indexed photo)', filters: {}, vectors: like },
    { name: 'text --after (30% of photos)', filters: { afterMs: firstDay + Math.floor(spanMs * 0.7) }, vectors: text.slice(0, 10) },
    { name: `text --camera iphone (25%)`, filters: { camera: cameras[0]!.split(' ')[1]! }, vectors: text.slice(10) },
  ];
}

interface QuerySet {
  name: string;
  filters: SearchFilters;
  vectors: Float32Array[];
}

async function query(): Promise<void> {
  const ready = JSON.parse(fs.readFileSync(path.join(dir, 'ready.json'), 'utf8')) as { writeS: number; buildS: number; buildCpuS: number; buildPeakRssMB: number; load: number; at: string; pageSize?: number };
  const rss0 = process.memoryUsage().rss;
  const db = openCatalog(dbPath, { readonly: true });
  const sets = querySets(db);
  const text = sets[0]!.vectors;
  const search = (q: Float32Array, filters: SearchFilters, isLike: boolean) => searchAsTheCliDoes(db, q, filters, isLike);
  let t = performance.now();
  await search(text[0]!, {}, false);
  const firstMs = performance.now() - t;
  const rssFirst = process.memoryUsage().rss;
  const results: Hit[][][] = [];
  const lines: string[] = [];
  let textMedian = NaN;
  for (const set of sets) {
    const times: number[] = [];
    const cpu: number[] = [];
    const got: Hit[][] = [];
    for (const q of set.vectors) {
      t = performance.now();
      const c = cpuS();
      got.push(await search(q, set.filters, set.name.startsWith('--like')));
      times.push(performance.now() - t);
      cpu.push((cpuS() - c) * 1000);
    }
    cpu.sort((a, b) => a - b);
    results.push(got);
    times.sort((a, b) => a - b);
    if (set.name === 'text') textMedian = times[times.length >> 1]!;
    lines.push(`${set.name}: median ${times[times.length >> 1]!.toFixed(1)} ms, p95 ${times[Math.floor(times.length * 0.95)]!.toFixed(1)} ms, max ${times[times.length - 1]!.toFixed(1)} ms (CPU median ${cpu[cpu.length >> 1]!.toFixed(1)} ms)`);
  }
  const rssAfter = process.memoryUsage().rss;
  const truth = cachedTruth(db, sets);
  const manifest = readManifest(annBase(place, modelId), { modelId, dim })!;
  const keysBytes = manifest.shards.reduce((a, shard) => a + fs.statSync(path.join(place.dir, 'search', shard.keysFile)).size, 0);
  const indexBytes = manifest.shards.reduce((a, shard) => a + shard.indexBytes, 0);
  const catalogBytes = fs.statSync(dbPath).size;
  const goal = n >= 10_000_000 ? 1000 : 100;
  console.log(`  ${n.toLocaleString('en')} x ${dim}-d clustered synthetic embeddings; ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} now`);
  console.log(`  build (refreshIndexes, as phase 2 runs it; ${ready.at}, load ${ready.load.toFixed(1)}): ${ready.buildS.toFixed(0)} s wall, ${ready.buildCpuS.toFixed(0)} s CPU, ${(n / ready.buildS).toFixed(0)} rows/s; peak RSS of the building process ${ready.buildPeakRssMB} MB`);
  console.log(`  on disk: index ${mb(indexBytes)} MB in ${manifest.shards.length} shard${manifest.shards.length === 1 ? '' : 's'} + keys ${mb(keysBytes)} MB; the catalog (exact float32 vectors, re-scoring reads only the candidates' rows) ${mb(catalogBytes)} MB`);
  if (ready.pageSize) {
    console.log(
      `  (bench catalog written in bulk in ${ready.writeS.toFixed(0)} s with ${ready.pageSize / 1024} KiB pages, bulk-load.ts; ` +
        `the product's 4 KiB pages hold one 2 KiB vector each, ~4.4 KB per photo on disk)`,
    );
  }
  console.log(`  first search after opening (maps the index): ${firstMs.toFixed(1)} ms; then, after load (goal < ${goal} ms; graph beam ${manifest.shards.map((shard) => beamFor(shard.count)).join(' + ')}):`);
  sets.forEach((set, i) => {
    const { recall, scoreError } = compare(results[i]!, truth[i]!);
    console.log(`    ${lines[i]}; recall@20 ${recall.toFixed(3)}; max |score - exact| ${scoreError.toExponential(1)}`);
  });
  console.log(`  memory (RSS): ${mb(rss0)} MB at start, ${mb(rssFirst)} MB after the first search, ${mb(rssAfter)} MB after ${sets.reduce((a, x) => a + x.vectors.length, 0) + 1} searches (mapped index pages touched, the OS may drop them)`);
  const allRecall = sets.map((_, i) => compare(results[i]!, truth[i]!).recall);
  console.log(`  exact top 20s holding tied scores (copies of one vector, which a graph loses among their twins): ${tiedShare(truth)}`);
  console.log(`  recall@20 over all ${sets.reduce((a, x) => a + x.vectors.length, 0)} queries: ${(allRecall.reduce((a, r, i) => a + r * sets[i]!.vectors.length, 0) / sets.reduce((a, x) => a + x.vectors.length, 0)).toFixed(3)} (goal >= 0.98)`);
  if (n <= 1_000_000 || process.env.BENCH_SEARCH_EXACT) {
    // The peer in the same run: --exact, the full scan of the int8 vector file (built on its first use, as search does).
    const exact = (q: Float32Array) => rank(db, modelId, q, { limit: 20, filter: catalogFilter(db, {}), exact: true, cache: place, env: process.env });
    const vectorFile = cacheFileFor(place.dir, dbPath, modelId);
    const fileThere = readLayout(vectorFile, { modelId, dim, generation: modelGeneration(db, modelId) }) !== null;
    t = performance.now();
    await exact(text[0]!);
    const firstS = (performance.now() - t) / 1000;
    const times: number[] = [];
    for (const q of text.slice(1, 6)) {
      t = performance.now();
      await exact(q);
      times.push(performance.now() - t);
    }
    const exactMs = times.sort((a, b) => a - b)[times.length >> 1]!;
    const first = fileThere ? `first search ${firstS.toFixed(1)} s` : `its first use built it in ${firstS.toFixed(0)} s`;
    console.log(
      `  peer, same run: --exact (full scan of the int8 vector file, ${mb(fs.statSync(vectorFile).size)} MB; ${first}) median ${exactMs.toFixed(0)} ms: ` +
        `the index path is ${(exactMs / textMedian).toFixed(0)}x faster`,
    );
  } else {
    console.log(`  peer --exact not timed at this size (BENCH_SEARCH_EXACT=1 times it): its first use builds a ${mb(n * dim)} MB vector file from the whole catalog`);
  }
  db.close();
}

/**
 * The exact top 20 of every query, from DIR/truth.json when it was computed for these queries over this catalog
 * (its model generation), else computed in one pass over the stored vectors (minutes at 10M) and written there.
 */
function cachedTruth(db: Db, sets: QuerySet[]): Hit[][][] {
  const file = path.join(dir, 'truth.json');
  const key = JSON.stringify({ generation: modelGeneration(db, modelId), sets: sets.map((x) => [x.name, x.filters, x.vectors.map((v) => Array.from(v.subarray(0, 4)))]) });
  try {
    const cached = JSON.parse(fs.readFileSync(file, 'utf8')) as { key: string; truth: Hit[][][] };
    if (cached.key === key) return cached.truth;
  } catch {
    // none yet, or from other queries: compute it
  }
  const truth = exactTop20(db, sets);
  fs.writeFileSync(file, JSON.stringify({ key, truth }));
  return truth;
}

/**
 * Exact float32 top 20 of every query (its set's filter applied), in one pass over the stored vectors: each batch is
 * cut to the rows a set's filter allows once, then ranked by the full scan's own topK for each query of the set.
 */
function exactTop20(db: Db, sets: QuerySet[]): Hit[][][] {
  const allows = sets.map((set) => allowFor(fileFilter(db, set.filters)) ?? (() => true));
  const tops = sets.map((set) => set.vectors.map(() => [] as Hit[]));
  for (const batch of vectorBatches(db, modelId, dim)) {
    sets.forEach((set, si) => {
      const rows: number[] = [];
      for (let r = 0; r < batch.ids.length; r++) if (allows[si]!(batch.ids[r]!)) rows.push(r);
      const ids = Int32Array.from(rows, (r) => batch.ids[r]!);
      const data = new Float32Array(rows.length * dim);
      rows.forEach((r, i) => data.set(batch.data.subarray(r * dim, (r + 1) * dim), i * dim));
      set.vectors.forEach((q, qi) => {
        const merged = tops[si]![qi]!.concat(topK({ dim, ids, data }, q, 20));
        tops[si]![qi] = merged.sort((x, y) => y.score - x.score || x.fileId - y.fileId).slice(0, 20);
      });
    });
  }
  return tops;
}

/** How many of the exact top 20s' entries share their score with another entry of the same list, as "k of n". */
function tiedShare(truth: Hit[][][]): string {
  let tied = 0;
  let all = 0;
  for (const list of truth.flat()) {
    const seen = new Map<number, number>();
    for (const h of list) seen.set(h.score, (seen.get(h.score) ?? 0) + 1);
    for (const h of list) if (seen.get(h.score)! > 1) tied++;
    all += list.length;
  }
  return `${tied} of ${all}`;
}

function compare(got: Hit[][], truth: Hit[][]): { recall: number; scoreError: number } {
  let hits = 0;
  let wanted = 0;
  let scoreError = 0;
  got.forEach((g, i) => {
    const exact = new Map(truth[i]!.map((h) => [h.fileId, h.score]));
    wanted += truth[i]!.length;
    for (const h of g) {
      const e = exact.get(h.fileId);
      if (e === undefined) continue;
      hits++;
      scoreError = Math.max(scoreError, Math.abs(e - h.score));
    }
  });
  return { recall: wanted === 0 ? 1 : hits / wanted, scoreError };
}
