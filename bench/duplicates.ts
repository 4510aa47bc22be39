/**
 * duplicates benchmark, in one run:
 * - quality: a variant set built now from the camera JPEGs of ../shared/corpus (byte copies in two other folders;
 *   half size, quality 55, PNG, WebP, 4% crop, +8% brightness, pixels rotated + EXIF orientation: see
 *   scripts/duplicate-variants.ts) in a temp dir, indexed by the real CLI (thumbnail stage), then pair precision and
 *   recall of `indexer duplicates` at several thresholds and of Debian's `findimagedupes` (default threshold) on the
 *   same files, against the truth;
 * - latency: `indexer duplicates --json` on that catalog (wall, CPU, peak RSS); the grouping alone over 1,000,000
 *   synthetic hashes (duplicates-million.ts, a child process so its peak RSS is its own); and the real command on a
 *   catalog of 1,000,000 photos with synthetic hashes (duplicates-catalog.ts: the catalog read included).
 * Sources: JPEGs outside corrupt/ and orientation/ over 100 KB whose manifest line names a camera (80 photos; 25 with
 * BENCH_QUICK=1, i.e. 250 files). Derived variants are made from the photo shrunk to 2048 px (BENCH_DUPES_MAX_SIDE)
 * to keep the set quick to build; the original and its copies keep their bytes.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mib } from './format.js';
import { timed } from './timed.js';
import { DEFAULT_THRESHOLD } from '../src/cli/commands/duplicates.js';
import { pairScores, truthPairs, writeVariantSet, type VariantFile } from '../scripts/duplicate-variants.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const corpus = path.resolve(repo, '..', 'shared', 'corpus');
const bin = path.join(repo, 'bin', 'indexer.js');

/** Camera JPEGs named in the corpus manifest. */
function cameraJpegs(): string[] {
  const manifest = path.join(corpus, 'MANIFEST.tsv');
  if (!fs.existsSync(manifest)) return [];
  return fs
    .readFileSync(manifest, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t'))
    .filter(([p, bytes, , , , what]) => /\.jpe?g$/i.test(p!) && !/^(corrupt|orientation)\//.test(p!) && Number(bytes) > 100_000 && /^JPEG; [^;]*[A-Za-z][^;]*; \d+x\d+/.test(what ?? ''))
    .map(([p]) => path.join(corpus, p!));
}

/**
 * The same picture published twice in the corpus (photoprism's Iceland photo in sRGB and in Display P3) is one
 * source for the truth: finding them is right, not a false match.
 */
function samePictureKey(file: string): string {
  return path.basename(file).replace(/-(P3|sRGB)(\.[^.]+)$/i, '$2');
}

const fmt = (s: { precision: number; recall: number; predicted: number; correct: number }) =>
  `precision ${s.precision.toFixed(4)} recall ${s.recall.toFixed(4)} (${s.correct}/${s.predicted} predicted pairs right)`;

export async function benchDuplicates({ quick }: { quick: boolean }): Promise<void> {
  console.log(`load average: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.availableParallelism()} CPUs`);
  const sources = cameraJpegs().slice(0, quick ? 25 : undefined);
  if (sources.length === 0) console.log('quality: skipped (no ../shared/corpus)');
  else await quality(sources);
  const million = spawnSync(process.execPath, [path.join(here, 'duplicates-million.js'), quick ? '200000' : '1000000'], { encoding: 'utf8', stdio: ['ignore', 'inherit', 'inherit'] });
  if (million.status !== 0) throw new Error(`duplicates-million failed with ${million.status}`);
  const catalog = spawnSync(process.execPath, [path.join(here, 'duplicates-catalog.js'), quick ? '200000' : '1000000'], { encoding: 'utf8', stdio: ['ignore', 'inherit', 'inherit'] });
  if (catalog.status !== 0) throw new Error(`duplicates-catalog failed with ${catalog.status}`);
}

async function quality(sources: string[]): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-dupes-'));
  try {
    const lib = path.join(dir, 'library');
    let started = performance.now();
    const raw: VariantFile[] = await writeVariantSet(sources, lib, { maxSide: Number(process.env.BENCH_DUPES_MAX_SIDE ?? 2048) });
    const keys = sources.map(samePictureKey);
    const files = raw.map((f) => ({ ...f, source: keys.indexOf(keys[f.source]!) }));
    const truth = truthPairs(files);
    console.log(`set: ${sources.length} camera JPEGs -> ${files.length} files, ${truth.size} true pairs (built in ${((performance.now() - started) / 1000).toFixed(1)} s)`);

    const db = ['--db', path.join(dir, 'catalog.db'), '--cache-dir', path.join(dir, 'cache')];
    started = performance.now();
    const scan = spawnSync(process.execPath, [bin, ...db, 'scan', lib, '--stages', 'thumbnail', '--quiet'], { encoding: 'utf8' });
    if (scan.status !== 0) throw new Error(`scan failed: ${scan.stderr}`);
    const scanSeconds = (performance.now() - started) / 1000;
    console.log(`ours: indexed (scan + thumbnail stage, which computes the hash) in ${scanSeconds.toFixed(1)} s`);

    // The first run hashes the byte copies whole (then cached in the catalog): shown apart from the answers after it.
    const first = timed([process.execPath, bin, ...db, 'duplicates', '--json']);
    console.log(`ours, first run (whole-file hashes of the copies computed and cached): ${first.seconds.toFixed(2)} s (CPU ${first.cpuSeconds?.toFixed(2)} s)`);
    for (const threshold of [4, 6, 8, 10, 12, 14]) {
      const r = timed([process.execPath, bin, ...db, 'duplicates', '--json', '--threshold', String(threshold)]);
      const groups = (JSON.parse(r.stdout) as { groups: { files: { path: string }[] }[] }).groups.map((g) => g.files.map((f) => f.path));
      const label = threshold === DEFAULT_THRESHOLD ? ' (default)' : '';
      console.log(`ours --threshold ${threshold}${label}: ${fmt(pairScores(groups, truth))}; ${r.seconds.toFixed(2)} s (CPU ${r.cpuSeconds?.toFixed(2)} s), ${mib(r.maxRssKb)}`);
    }

    started = performance.now();
    const peer = timed(['findimagedupes', '-R', '-q', '--', lib]);
    const peerGroups = peer.stdout.trim().split('\n').filter(Boolean).map((line) => line.split(' '));
    console.log(`findimagedupes (default threshold): ${fmt(pairScores(peerGroups, truth))}; ${peer.seconds.toFixed(1)} s (fingerprints + compare), CPU ${peer.cpuSeconds?.toFixed(1)} s, ${mib(peer.maxRssKb)}`);
    const byVariant = (groups: string[][]) => {
      const grouped = new Set(groups.filter((g) => g.length > 1).flat());
      return ['half', 'q55', 'png', 'webp', 'crop4', 'bright8', 'rotated'].map((v) => `${v} ${files.filter((f) => f.variant === v && grouped.has(f.path)).length}`).join(', ');
    };
    const ourDefault = JSON.parse(timed([process.execPath, bin, ...db, 'duplicates', '--json']).stdout) as { groups: { files: { path: string }[] }[] };
    console.log(`variants found in a group, of ${sources.length} each: ours ${byVariant(ourDefault.groups.map((g) => g.files.map((f) => f.path)))}`);
    console.log(`                                       findimagedupes ${byVariant(peerGroups)}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
