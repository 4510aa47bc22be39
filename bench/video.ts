/**
 * video benchmark: the whole `indexer scan` of 16 eight-second 720p clips (8 H.264, 8 HEVC, 1 s GOPs as phones
 * write them) against a plain shell loop over the same clips, 2 lanes (`xargs -P 2 sh -c ...`), that runs per clip
 * ffprobe once, ffmpeg once for a 1440 px poster (JPEG) and once for a 256 px WebP, both seeking on the input side to
 * the offset our poster takes. Both sides run twice, alternately, in the same run; the best of each is compared
 * (goal: indexer <= 1.5x the loop's time). No CLIP model is configured (the loop embeds nothing either).
 * The clips are made once with ffmpeg under $TMPDIR/indexer-bench/videos. BENCH_QUICK=1: 4 clips.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { posterTimes } from '../src/extract/video/poster.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.resolve(here, '..', '..', 'bin', 'indexer.js');
const clipsDir = path.join(os.tmpdir(), 'indexer-bench', 'videos');

function makeClips(): string[] {
  fs.mkdirSync(clipsDir, { recursive: true });
  const out: string[] = [];
  for (let i = 0; i < 16; i++) {
    const hevc = i % 2 === 1;
    const file = path.join(clipsDir, `clip-${String(i).padStart(2, '0')}-${hevc ? 'hevc.mov' : 'h264.mp4'}`);
    out.push(file);
    if (fs.existsSync(file)) continue;
    const codec = hevc
      ? ['-c:v', 'libx265', '-preset', 'ultrafast', '-tag:v', 'hvc1', '-x265-params', 'log-level=error:keyint=30']
      : ['-c:v', 'libx264', '-preset', 'veryfast', '-g', '30'];
    const tmp = file + '.tmp' + path.extname(file);
    execFileSync('ffmpeg', [
      ...['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=30:duration=8,hue=H=${i}*0.4`],
      ...[...codec, '-b:v', '6M', '-pix_fmt', 'yuv420p', tmp],
    ]);
    fs.renameSync(tmp, file);
  }
  return out;
}

function timed(cmd: string, args: string[], env?: NodeJS.ProcessEnv): number {
  const started = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'], env: env ?? process.env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} ... exited ${r.status}`);
  return (performance.now() - started) / 1000;
}

function indexerRun(clips: string[]): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-video-'));
  try {
    const env = { ...process.env, XDG_DATA_HOME: path.join(dir, 'data'), INDEXER_MODEL: '', INDEXER_DB: '', INDEXER_CACHE: '' };
    return timed(process.execPath, [bin, '--db', path.join(dir, 'c.db'), '--cache-dir', path.join(dir, 'cache'), '--quiet', 'scan', path.dirname(clips[0]!), '--threads', '2'], env);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function loopRun(clips: string[], seek: number): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-video-loop-'));
  try {
    // xargs appends each clip to `sh per-clip.sh OUTDIR`: $1 is the output folder, $2 the clip.
    const script = [
      'o="$1/$(basename "$2")"',
      'ffprobe -v error -print_format json -show_format -show_streams "$2" > "$o.json"',
      `ffmpeg -nostdin -v error -y -ss ${seek} -i "$2" -frames:v 1 -vf "scale='min(1440,iw)':-2" -q:v 3 "$o.jpg"`,
      `ffmpeg -nostdin -v error -y -ss ${seek} -i "$2" -frames:v 1 -vf "scale=256:-2" -quality 80 "$o.webp"`,
    ].join('\n');
    const perClip = path.join(dir, 'per-clip.sh');
    fs.writeFileSync(perClip, script + '\n');
    const list = path.join(dir, 'list');
    fs.writeFileSync(list, clips.join('\0'));
    return timed('sh', ['-c', 'xargs -0 -P 2 -n 1 sh "$1" "$2" < "$3"', 'loop', perClip, dir, list]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchVideo(o: { quick: boolean }): Promise<void> {
  if (spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status !== 0) {
    console.log('ffmpeg not installed (Debian: apt-get install ffmpeg): skipped');
    return;
  }
  let clips = makeClips();
  if (o.quick) {
    const quickDir = path.join(clipsDir, 'quick');
    fs.mkdirSync(quickDir, { recursive: true });
    clips = clips.slice(0, 4).map((c) => {
      const to = path.join(quickDir, path.basename(c));
      if (!fs.existsSync(to)) fs.copyFileSync(c, to);
      return to;
    });
  }
  for (const c of clips) fs.readFileSync(c); // both sides read from the page cache
  const seek = posterTimes(8)[0]!;
  console.log(`${clips.length} clips, 8 s 720p (H.264 and HEVC), ${os.loadavg()[0]!.toFixed(1)} load average at the start`);
  const mine: number[] = [];
  const loop: number[] = [];
  for (let round = 0; round < 2; round++) {
    loop.push(loopRun(clips, seek));
    mine.push(indexerRun(clips));
    console.log(`  round ${round + 1}: shell loop ${loop[round]!.toFixed(2)} s, indexer scan ${mine[round]!.toFixed(2)} s`);
  }
  const best = (xs: number[]) => Math.min(...xs);
  console.log(`  shell loop (2 lanes; ffprobe + 1440 px JPEG + 256 px WebP per clip): ${best(loop).toFixed(2)} s`);
  console.log(`  indexer scan (--threads 2, catalog, poster, preview, thumbnail, thumbhash, metadata): ${best(mine).toFixed(2)} s`);
  console.log(`  ratio indexer/loop: ${(best(mine) / best(loop)).toFixed(2)}x (goal <= 1.5x)`);
}
