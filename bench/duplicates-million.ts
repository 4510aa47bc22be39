/**
 * Child of the duplicates benchmark: the grouping of `indexer duplicates` (multi-index hashing on worker threads,
 * complete linkage, keep choice) over N synthetic 64-bit hashes: random ones, plus one near copy (1 to 10 bits
 * flipped) for every 100th, all with distinct identities (as the catalog's index reports them). Prints wall and CPU time and this process's peak RSS (the candidates included).
 */
import os from 'node:os';
import type { DuplicateCandidate } from '../src/catalog/duplicates.js';
import { findDuplicates } from '../src/duplicates/find.js';
import { DEFAULT_THRESHOLD } from '../src/cli/commands/duplicates.js';
import { hashHex, syntheticHashWords } from './synthetic-hashes.js';

const n = Number(process.argv[2] ?? 1_000_000);
const words = syntheticHashWords(n);
const candidates: DuplicateCandidate[] = Array.from({ length: n }, (_, i) => ({
  id: i + 1,
  path: `/photos/${Math.floor(i / 1000)}/IMG_${i}.jpg`,
  kind: 'image',
  ext: 'jpg',
  size: 3_000_000 + i,
  mtimeMs: 0,
  identity: `id${i}`,
  width: 4000,
  height: 3000,
  phash: hashHex(words, i),
  takenAt: null,
  takenAtMs: null,
  metadataFields: 5,
}));
const threads = os.availableParallelism();
const threshold = Number(process.argv[3] ?? DEFAULT_THRESHOLD);
const cpu0 = process.cpuUsage();
const started = performance.now();
const groups = await findDuplicates({ candidates, sharedIdentities: new Set(), contentHash: async () => null }, { threshold, similar: null, prefer: [], threads });
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpu0);
const rss = process.resourceUsage().maxRSS;
console.log(
  `${n.toLocaleString('en')} synthetic hashes, threshold ${threshold}, ${threads} threads: ${groups.length} groups in ${seconds.toFixed(2)} s ` +
    `(CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s over all threads), peak RSS ${(rss / 1024).toFixed(0)} MiB (goal: < 10 s)`,
);
