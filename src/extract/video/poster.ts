/**
 * Frames out of a video, for the poster and for CLIP. Each frame is one ffmpeg run that seeks on the input side
 * (`-ss` before `-i`: jump to the keyframe before the time, decode only from there), decodes one frame, turns it
 * upright (ffmpeg applies the display matrix itself), scales it and pipes it out as raw RGBA: a minute of 720p is
 * never decoded whole.
 *
 * The poster: a frame inside the clip, not frame 0 (fades, lens caps, the phone still coming up): at a fifth of the
 * duration, at least 0.5 s and at most 10 s in (so the offset grows with the clip, as PhotoPrism's does). A black or
 * near-uniform frame is rejected and later ones tried (40%, 60%, 80%); if every one is, the most detailed of them is
 * kept. Frames the decoder reports damage in are never used; a clip with no clean frame fails. Clips under a second (Live Photos) and clips whose seek finds nothing (a duration the container overstates,
 * short HEVC clips) take the first frame that decodes.
 */
import { inputUrl, runTool, toolMessage } from './tools.js';

export interface Frame {
  /** RGBA, upright. */
  data: Uint8Array;
  width: number;
  height: number;
  /** Where in the clip it was taken. */
  atSec: number;
  /** What the decoder complained of while making it (corrupt data it concealed), or null for a clean decode. */
  damage: string | null;
}

export type FrameResult = { ok: true; frame: Frame | null } | { ok: false; reason: string; timedOut: boolean };

/** A size that fits inside `box` without enlarging (both sides at least 1 px). */
export function fitInside(width: number, height: number, box: number): { width: number; height: number } {
  const scale = Math.min(1, box / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** One frame at `atSec` (0: the first decodable one), scaled to exactly width x height; null when none came out. */
export async function grabFrame(
  ffmpeg: string,
  file: string,
  atSec: number,
  size: { width: number; height: number },
  deadline: { timeoutMs: number; signal?: AbortSignal },
): Promise<FrameResult> {
  const seek = atSec > 0 ? ['-ss', atSec.toFixed(3)] : [];
  const args = [
    ...['-nostdin', '-hide_banner', '-v', 'error', ...seek, '-i', inputUrl(file)],
    ...['-map', '0:v:0', '-an', '-sn', '-dn', '-frames:v', '1'],
    ...['-vf', `scale=${size.width}:${size.height}:flags=bicubic`, '-f', 'rawvideo', '-pix_fmt', 'rgba', 'pipe:1'],
  ];
  const expected = size.width * size.height * 4;
  const run = await runTool(ffmpeg, args, { timeoutMs: deadline.timeoutMs, signal: deadline.signal, maxStdout: expected });
  if (run.timedOut) return { ok: false, reason: `ffmpeg did not finish decoding within ${Math.round(deadline.timeoutMs / 1000)} s (killed)`, timedOut: true };
  if (run.stdout.length === expected) {
    return { ok: true, frame: { data: new Uint8Array(run.stdout.buffer, run.stdout.byteOffset, expected), width: size.width, height: size.height, atSec, damage: toolMessage(run.stderr, file) || null } };
  }
  if (run.code !== 0 || run.overflow) return { ok: false, reason: `cannot decode a frame: ${toolMessage(run.stderr, file) || `ffmpeg exit status ${run.code}`}`, timedOut: false };
  return { ok: true, frame: null };
}

/** Where to look for a poster, best first. */
export function posterTimes(durationSec: number | null): number[] {
  if (durationSec === null) return [1, 0];
  if (durationSec < 1) return [0];
  const first = Math.min(10, Math.max(0.5, durationSec / 5));
  const later = [0.4, 0.6, 0.8].map((f) => durationSec * f).filter((t) => t > first);
  return [first, ...later].map((t) => Math.round(t * 1000) / 1000);
}

/** Times for the extra CLIP frames: spread evenly over the clip, away from its very ends. */
export function clipFrameTimes(durationSec: number | null, count: number): number[] {
  if (!durationSec || durationSec < 1 || count <= 0) return [];
  return Array.from({ length: count }, (_, i) => Math.round(((durationSec * (i + 0.5)) / count) * 1000) / 1000);
}

/** Mean and standard deviation of luma over a sample of pixels (0..255). */
export function lumaStats(frame: Pick<Frame, 'data' | 'width' | 'height'>): { mean: number; stddev: number } {
  const pixels = frame.width * frame.height;
  const step = Math.max(1, Math.floor(pixels / 20_000));
  let n = 0, sum = 0, sumSq = 0;
  for (let p = 0; p < pixels; p += step) {
    const i = p * 4;
    const y = 0.299 * frame.data[i]! + 0.587 * frame.data[i + 1]! + 0.114 * frame.data[i + 2]!;
    sum += y;
    sumSq += y * y;
    n++;
  }
  const mean = sum / n;
  return { mean, stddev: Math.sqrt(Math.max(0, sumSq / n - mean * mean)) };
}

/** Black (a lens cap, a fade) or one flat colour (a title card's background): not worth a poster. */
export function isBlankFrame(frame: Pick<Frame, 'data' | 'width' | 'height'>): boolean {
  const { mean, stddev } = lumaStats(frame);
  return mean < 16 || stddev < 6;
}

export type PosterResult = { ok: true; frame: Frame } | { ok: false; reason: string; timedOut: boolean };

/** The poster frame (see the module comment), or why none could be had. */
export async function pickPoster(
  ffmpeg: string,
  file: string,
  durationSec: number | null,
  size: { width: number; height: number },
  budget: () => { timeoutMs: number; signal?: AbortSignal },
): Promise<PosterResult> {
  let best: Frame | null = null;
  let bestDetail = -1;
  let lastError: string | null = null;
  let damage: string | null = null;
  const times = posterTimes(durationSec);
  if (!times.includes(0)) times.push(0);
  for (const t of times) {
    // The first-frame fallback only when nothing inside the clip decoded cleanly.
    if (t === 0 && best) break;
    const r = await grabFrame(ffmpeg, file, t, size, budget());
    if (!r.ok) {
      if (r.timedOut) return r;
      lastError = r.reason;
      continue;
    }
    if (!r.frame) continue;
    // A frame the decoder had to patch up (bit flips, a damaged stream) shows blocks of garbage: never a poster.
    if (r.frame.damage) {
      damage = r.frame.damage;
      continue;
    }
    const stats = lumaStats(r.frame);
    if (!isBlankFrame(r.frame)) return { ok: true, frame: r.frame };
    const detail = stats.stddev + stats.mean / 100;
    if (detail > bestDetail) (best = r.frame), (bestDetail = detail);
  }
  if (best) return { ok: true, frame: best };
  if (damage) return { ok: false, reason: `corrupt video data, no frame decodes cleanly: ${damage}`, timedOut: false };
  return { ok: false, reason: lastError ?? 'no frame could be decoded', timedOut: false };
}
