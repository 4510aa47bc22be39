/**
 * `npm run bench`: every benchmark, each printing ratios against peers measured in the same run.
 * BENCH_ONLY=scan,engine,stages,heic,clip,moves,video,search,gpu,duplicates,pg-engine,pg-workers,pg-search picks some (search: BENCH_SEARCH_SIZES, BENCH_SEARCH_CACHE, BENCH_SEARCH_BUILD, see bench/search-ann.ts); BENCH_QUICK=1 shrinks sizes for a smoke run.
 */
import { benchScan } from './scan.js';
import { benchEngine } from './engine.js';
import { benchStages } from './stages.js';
import { benchClip } from './clip.js';
import { benchMoves } from './moves.js';
import { benchVideo } from './video.js';
import { benchSearch } from './search-ann.js';
import { benchGpu } from './gpu.js';
import { benchHeic } from './heic.js';
import { benchDuplicates } from './duplicates.js';
import { benchPgEngine, benchPgWorkers } from './pg-scale.js';
import { benchPgSearch } from './pg-search.js';

const all: Record<string, (o: { quick: boolean }) => Promise<void>> = {
  scan: benchScan,
  engine: benchEngine,
  stages: benchStages,
  heic: benchHeic,
  clip: benchClip,
  moves: benchMoves,
  video: benchVideo,
  search: benchSearch,
  gpu: benchGpu,
  duplicates: benchDuplicates,
  'pg-engine': benchPgEngine,
  'pg-workers': benchPgWorkers,
  'pg-search': benchPgSearch,
};

const only = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',') : Object.keys(all);
const quick = !!process.env.BENCH_QUICK;
for (const name of only) {
  const fn = all[name];
  if (!fn) throw new Error(`unknown benchmark '${name}' (known: ${Object.keys(all).join(', ')})`);
  console.log(`\n== ${name} ==`);
  await fn({ quick });
}
