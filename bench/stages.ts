/**
 * stages benchmark, over the same photos in the same run:
 * - thumbnails: our thumbnail worker (one decode -> 256 px WebP + 1440 px JPEG + thumbhash) on a pool of N threads,
 *   against `vipsthumbnail` making the same two sizes (two invocations per photo), N processes at a time;
 * - metadata: our exif + xmp workers on N threads, fed as the engine feeds them (stage by stage, micro-batched: see
 *   stages-child.ts), against `exiftool -json` (as the issue names it), the file list split over N processes.
 * Prints throughput, the ratio (goal: >= 2.0x for thumbnails, >= 20x for metadata) and peak RSS of each side.
 * Photos: the JPEGs of ../shared/corpus/large, twice (thumbnails) and ../shared/corpus/{exif,large,xmp}, eight times
 * (metadata). Our thread start-up is excluded (warm-up); exiftool's start-up is shown and reported both ways.
 * BENCH_QUICK=1: a few photos. BENCH_THREADS=N: parallelism (default: CPUs).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mib } from './format.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const corpus = path.resolve(here, '..', '..', '..', 'shared', 'corpus');
const child = path.join(here, 'stages-child.js');

interface Side {
  seconds: number;
  /** CPU time (user + system, all threads or processes): less sensitive to other load than wall time. */
  cpuSeconds: number | null;
  files: number;
  maxRssKb: number | null;
  failed?: number;
  /** Metadata only: every pass over the list, V8's warm-up in the first ones (seconds is the last pass's). */
  passes?: { seconds: number; cpuSeconds: number }[];
}

export const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

export function list(dir: string, pattern: RegExp): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => pattern.test(f)).sort().map((f) => path.join(dir, f));
}

export function ours(mode: 'thumbnail' | 'thumbnail+source' | 'metadata', threads: number, files: string[]): Side {
  const listFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-list-')), 'files');
  fs.writeFileSync(listFile, files.join('\n'));
  const r = spawnSync(process.execPath, [child, mode, String(threads), listFile], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`stages benchmark child (${mode}) failed with ${r.status}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Side;
}

/** Runs commands N at a time; peak RSS from GNU time when it is installed. */
export async function peers(commands: string[][], threads: number): Promise<Side> {
  const timed = has('/usr/bin/time');
  let maxRssKb: number | null = timed ? 0 : null;
  let cpuSeconds: number | null = timed ? 0 : null;
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < commands.length) {
      const cmd = commands[next++]!;
      const argv = timed ? ['/usr/bin/time', '-f', 'RSSKB=%M CPU=%U %S', ...cmd] : cmd;
      const stderr = await new Promise<string>((resolve, reject) => {
        // Without VIPSHOME: sharp's libvips sets it in this process, and Debian's vipsthumbnail would then look for
        // its loader modules (HEIF among them) under sharp's build prefix and fail on every HEIC.
        const env = { ...process.env };
        delete env.VIPSHOME;
        const p = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env });
        let err = '';
        p.stderr.on('data', (d: Buffer) => (err += d.toString()));
        p.on('error', reject);
        p.on('exit', () => resolve(err));
      });
      const m = /RSSKB=(\d+)/.exec(stderr);
      if (m && maxRssKb !== null) maxRssKb = Math.max(maxRssKb, Number(m[1]));
      const c = /CPU=([\d.]+) ([\d.]+)/.exec(stderr);
      if (c && cpuSeconds !== null) cpuSeconds += Number(c[1]) + Number(c[2]);
    }
  };
  await Promise.all(Array.from({ length: threads }, lane));
  return { seconds: (performance.now() - started) / 1000, cpuSeconds, files: 0, maxRssKb };
}

/** The CPU-time ratio, printed alongside: wall-clock ratios swing when other work shares the machine. */
export function cpuRatio(peer: Side, mine: Side): string {
  return peer.cpuSeconds !== null && mine.cpuSeconds ? `; CPU time ${peer.cpuSeconds.toFixed(2)} s vs ${mine.cpuSeconds.toFixed(2)} s = ${(peer.cpuSeconds / mine.cpuSeconds).toFixed(1)}x` : '';
}

export function warm(files: string[]): void {
  for (const f of files) fs.readFileSync(f); // both sides read from the page cache
}

export async function benchStages(o: { quick: boolean }): Promise<void> {
  const threads = Number(process.env.BENCH_THREADS) || os.availableParallelism();
  const large = list(path.join(corpus, 'large'), /\.jpe?g$/i);
  if (!large.length) {
    console.log(`no photos under ${corpus}/large: skipped`);
    return;
  }
  const photos = o.quick ? large.slice(0, 3) : [...large, ...large];
  warm(photos);

  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-vips-'));
  console.log(`thumbnails: ${photos.length} JPEGs (${o.quick ? 'quick' : 'corpus/large twice'}), 256 px WebP + 1440 px JPEG, ${threads} at a time`);
  const mine = ours('thumbnail', threads, photos);
  console.log(`  indexer (1 decode, both sizes, thumbhash): ${(photos.length / mine.seconds).toFixed(2)} photos/s, peak RSS ${mib(mine.maxRssKb)}${mine.failed ? `, ${mine.failed} failed` : ''}`);
  if (has('vipsthumbnail')) {
    const commands = photos.flatMap((p, i) => [
      ['vipsthumbnail', p, '-s', '256', '-o', path.join(out, `${i}_t.webp[Q=80]`)],
      ['vipsthumbnail', p, '-s', '1440', '-o', path.join(out, `${i}_p.jpg[Q=82]`)],
    ]);
    const vips = await peers(commands, threads);
    console.log(`  vipsthumbnail (2 runs per photo):          ${(photos.length / vips.seconds).toFixed(2)} photos/s, peak RSS ${mib(vips.maxRssKb)} per process`);
    console.log(`  ratio indexer/vipsthumbnail:               ${(vips.seconds / mine.seconds).toFixed(2)}x wall (goal >= 2.0x)${cpuRatio(vips, mine)}`);
    // What CLIP in use adds (a run with the clip stage, no model yet): the clip source for the model that comes later.
    const withSource = ours('thumbnail+source', threads, photos);
    console.log(
      `  indexer with clip sources (CLIP in use, no model yet: a default scan): ${(photos.length / withSource.seconds).toFixed(2)} photos/s, ratio ${(vips.seconds / withSource.seconds).toFixed(2)}x wall (goal >= 2.0x)${cpuRatio(vips, withSource)}`,
    );
  } else console.log('  vipsthumbnail not installed (Debian: libvips-tools): no peer measured');
  fs.rmSync(out, { recursive: true, force: true });

  const metaFiles = o.quick
    ? list(path.join(corpus, 'exif'), /\.jpe?g$/i).slice(0, 30)
    : Array.from({ length: 8 }, () => [...list(path.join(corpus, 'exif'), /\.jpe?g$/i), ...large, ...list(path.join(corpus, 'xmp'), /\.(jpe?g|heic|dng|tiff?)$/i)]).flat();
  warm(metaFiles);
  console.log(`metadata: ${metaFiles.length} photos, EXIF + XMP, ${threads} at a time`);
  const meta = ours('metadata', threads, metaFiles);
  const first = meta.passes?.[0];
  if (meta.passes) console.log(`  indexer (exif + xmp stages), pass by pass: ${meta.passes.map((p) => (metaFiles.length / p.seconds).toFixed(0)).join(', ')} photos/s (V8 compiles the hot paths during the first passes)`);
  console.log(`  indexer (exif + xmp stages), steady state: ${(metaFiles.length / meta.seconds).toFixed(0)} photos/s (last pass), peak RSS ${mib(meta.maxRssKb)}`);
  if (has('exiftool')) {
    const shards = Array.from({ length: threads }, (_, i) => metaFiles.filter((_, j) => j % threads === i)).filter((s) => s.length);
    const tool = await peers(shards.map((s) => ['exiftool', '-json', '-q', '-q', ...s]), threads);
    // exiftool's start-up (perl loading its tag tables) is paid once per process, as our threads' start-up and V8's
    // warm-up are: each is measured on its own and the steady states are compared.
    const startup = await peers(Array.from({ length: threads }, () => ['exiftool', '-ver']), threads);
    const steady = Math.max(1e-3, tool.seconds - startup.seconds);
    console.log(`  exiftool -json (${shards.length} processes): ${(metaFiles.length / tool.seconds).toFixed(0)} photos/s wall, ${(metaFiles.length / steady).toFixed(0)} photos/s without its ${startup.seconds.toFixed(2)} s start-up, peak RSS ${mib(tool.maxRssKb)} per process`);
    console.log(`  ratio indexer/exiftool, steady state:  ${(steady / meta.seconds).toFixed(1)}x (goal >= 20x)${cpuRatio(tool, meta)}`);
    if (first) console.log(`  ratio indexer/exiftool, from cold:     ${(tool.seconds / first.seconds).toFixed(1)}x (exiftool's start-up and our V8 warm-up included, our thread start-up not)`);
  } else console.log('  exiftool not installed (Debian: libimage-exiftool-perl): no peer measured');
}
