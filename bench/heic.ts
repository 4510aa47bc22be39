/**
 * heic benchmark: HEIC thumbnails (256 px WebP + 1440 px JPEG + thumbhash, one decode) against `vipsthumbnail`
 * making the same two sizes, two runs per photo, same parallelism, same run; Debian's libvips with its libheif on
 * the peer's side. Our side as configured (libheif-js first, src/extract/heif-native.ts), and again with
 * INDEXER_HEIF_DECODER=native (Debian's libheif through `vips` first) for comparison. Photos: every HEIC of at least
 * 500 KB in ../shared/corpus, repeated to 8 (the issue's set of large phone HEICs).
 * CPU time includes the `vips` child processes on our side (stages-child.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mib } from './format.js';
import { corpus, cpuRatio, has, list, ours, peers, warm } from './stages.js';
import { describeHeifDecoder, heifDecoder } from '../src/extract/heif-native.js';

export async function benchHeic(o: { quick: boolean }): Promise<void> {
  const threads = Number(process.env.BENCH_THREADS) || os.availableParallelism();
  const heics = ['large', 'xmp', 'formats/heic']
    .flatMap((d) => list(path.join(corpus, d), /\.heic$/i))
    .filter((f) => fs.statSync(f).size >= 500_000);
  if (!heics.length) {
    console.log(`no HEICs under ${corpus}: skipped`);
    return;
  }
  const photos = Array.from({ length: o.quick ? 2 : 8 }, (_, i) => heics[i % heics.length]!);
  warm(photos);
  console.log(`HEIC thumbnails: ${photos.length} phone HEICs (${heics.length} distinct), 256 px WebP + 1440 px JPEG, ${threads} at a time, load ${os.loadavg()[0]!.toFixed(1)}`);
  console.log(`  decoder: ${describeHeifDecoder(heifDecoder())}`);
  const mine = ours('thumbnail', threads, photos);
  console.log(`  indexer (as configured):           ${(photos.length / mine.seconds).toFixed(2)} photos/s${mine.failed ? `, ${mine.failed} failed` : ''}, peak RSS ${mib(mine.maxRssKb)}`);
  if (!has('vipsthumbnail')) {
    console.log('  vipsthumbnail not installed (Debian: libvips-tools): no peer measured');
    return;
  }
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-heic-'));
  try {
    const commands = photos.flatMap((p, i) => [
      ['vipsthumbnail', p, '-s', '256', '-o', path.join(out, `${i}_t.webp[Q=80]`)],
      ['vipsthumbnail', p, '-s', '1440', '-o', path.join(out, `${i}_p.jpg[Q=82]`)],
    ]);
    const vips = await peers(commands, threads);
    process.env.INDEXER_HEIF_DECODER = 'native';
    const native = ours('thumbnail', threads, photos);
    delete process.env.INDEXER_HEIF_DECODER;
    if (vips.files === 0 && vips.cpuSeconds !== null && vips.cpuSeconds < 0.05 * photos.length) console.log('  (vipsthumbnail took almost no CPU: check that it read the HEICs)');
    console.log(`  vipsthumbnail (2 runs per photo):  ${(photos.length / vips.seconds).toFixed(2)} photos/s`);
    console.log(`  indexer, native libheif first:     ${(photos.length / native.seconds).toFixed(2)} photos/s${native.failed ? `, ${native.failed} failed` : ''}`);
    console.log(`  ratio indexer/vipsthumbnail:       ${(vips.seconds / mine.seconds).toFixed(2)}x wall (goal >= 1.5x)${cpuRatio(vips, mine)}`);
    console.log(`  ratio native-first/vipsthumbnail:  ${(vips.seconds / native.seconds).toFixed(2)}x wall${cpuRatio(vips, native)}`);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}
