/**
 * A video's facts from one ffprobe run: duration, displayed size and rotation, frame rate, codecs, container, bit
 * rate, and the container tags that carry capture time, GPS and camera (metadata.ts reads those).
 */
import { inputUrl, runTool, toolMessage, type RunLimits } from './tools.js';
import type { Tags } from './metadata.js';

/** What `indexer info --json` shows under `video`, and what the catalog's videos table keeps. */
export interface VideoFacts {
  durationSec: number | null;
  /** Displayed size: after the display matrix's rotation and the sample aspect ratio. */
  width: number;
  height: number;
  /** Clockwise degrees a player turns the stored frames (0, 90, 180, 270), as exiftool's Rotation. */
  rotation: number;
  fps: number | null;
  videoCodec: string;
  audioCodec: string | null;
  container: string | null;
  bitRate: number | null;
}

export interface Probe {
  facts: VideoFacts;
  /** Format tags, then the video stream's tags (format ones win): where capture metadata lives. */
  tags: Tags;
}

/** ffprobe's JSON, the parts we read. */
interface ProbeJson {
  streams?: {
    codec_type?: string;
    codec_name?: string;
    codec_tag_string?: string;
    width?: number;
    height?: number;
    sample_aspect_ratio?: string;
    avg_frame_rate?: string;
    r_frame_rate?: string;
    duration?: string;
    tags?: Record<string, string>;
    side_data_list?: { side_data_type?: string; rotation?: number }[];
    disposition?: { attached_pic?: number };
  }[];
  format?: { format_name?: string; duration?: string; bit_rate?: string; tags?: Record<string, string> };
}

export type ProbeResult = { ok: true; probe: Probe } | { ok: false; reason: string; timedOut?: boolean };

/** `inputArgs` go before the input (a motion photo's clip: `-f mov -skip_initial_bytes N`). */
export async function probeVideo(ffprobe: string, file: string, limits: Omit<RunLimits, 'maxStdout'>, inputArgs: string[] = []): Promise<ProbeResult> {
  const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', ...inputArgs, inputUrl(file)];
  const run = await runTool(ffprobe, args, { ...limits, maxStdout: 4 << 20 });
  if (run.timedOut) return { ok: false, reason: `ffprobe did not finish within ${Math.round(limits.timeoutMs / 1000)} s (killed)`, timedOut: true };
  if (run.code !== 0) return { ok: false, reason: `not a readable video: ${toolMessage(run.stderr, file) || `ffprobe exit status ${run.code}`}` };
  let json: ProbeJson;
  try {
    json = JSON.parse(run.stdout.toString('utf8')) as ProbeJson;
  } catch {
    return { ok: false, reason: 'ffprobe printed no readable description of it' };
  }
  return parseProbe(json, file.slice(file.lastIndexOf('.') + 1).toLowerCase());
}

/** Pure: ffprobe's JSON to facts, or the reason it describes no usable video. */
export function parseProbe(json: ProbeJson, ext = ''): ProbeResult {
  const streams = json.streams ?? [];
  // Cover art in an audio file is a "video" stream too; it is not a video.
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!video) return { ok: false, reason: streams.length ? 'no video stream (audio or data only)' : 'no streams found' };
  if (!video.codec_name || video.codec_name === 'none' || video.codec_name === 'unknown') {
    return { ok: false, reason: `unknown video codec${video.codec_tag_string ? ` '${video.codec_tag_string}'` : ''}: ffmpeg has no decoder for it` };
  }
  if (!video.width || !video.height) return { ok: false, reason: `video stream has no frame size (codec ${video.codec_name})` };
  const audio = streams.find((s) => s.codec_type === 'audio');
  const rotation = clockwise(video.side_data_list?.find((d) => d.side_data_type === 'Display Matrix')?.rotation ?? Number(video.tags?.rotate ?? 0));
  const sar = ratio(video.sample_aspect_ratio);
  let w = video.width;
  const h = video.height;
  if (sar && sar > 0 && Math.abs(sar - 1) > 1e-3) w = Math.round(w * sar);
  const swap = rotation === 90 || rotation === 270;
  const duration = positive(json.format?.duration) ?? positive(video.duration);
  const facts: VideoFacts = {
    durationSec: duration,
    width: swap ? h : w,
    height: swap ? w : h,
    rotation,
    fps: roundTo(ratio(video.avg_frame_rate) ?? ratio(video.r_frame_rate), 3),
    videoCodec: video.codec_name,
    audioCodec: audio?.codec_name ?? null,
    container: containerName(json.format?.format_name, json.format?.tags?.major_brand, ext),
    bitRate: positive(json.format?.bit_rate),
  };
  return { ok: true, probe: { facts, tags: { ...(video.tags ?? {}), ...(json.format?.tags ?? {}) } } };
}

/** ffprobe reports the display matrix's angle counter-clockwise (-90 for a phone held upright); 0..270 clockwise. */
function clockwise(ccw: number): number {
  if (!Number.isFinite(ccw)) return 0;
  return ((Math.round(-ccw / 90) * 90) % 360 + 360) % 360;
}

/**
 * A container name a user knows: ffprobe names demuxers ("mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm"), which cover
 * several containers each; the MP4 brand (or, for Matroska, the extension) tells them apart.
 */
function containerName(format: string | undefined, brand: string | undefined, ext: string): string | null {
  if (!format) return null;
  if (format.startsWith('mov,')) {
    const b = (brand ?? '').trim().toLowerCase();
    if (b === 'qt') return 'mov';
    if (b.startsWith('3g')) return '3gp';
    return b ? 'mp4' : ext === 'mov' ? 'mov' : 'mp4';
  }
  if (format === 'matroska,webm') return ext === 'webm' ? 'webm' : 'matroska';
  return format.split(',')[0]!;
}

function ratio(text: string | undefined): number | null {
  if (!text) return null;
  const [a, b] = text.split(/[:/]/).map(Number);
  if (!Number.isFinite(a) || !Number.isFinite(b) || !b || !a) return null;
  return a! / b!;
}

function positive(text: string | undefined): number | null {
  const n = Number(text);
  return text !== undefined && Number.isFinite(n) && n > 0 ? n : null;
}

function roundTo(n: number | null, places: number): number | null {
  return n === null ? null : Math.round(n * 10 ** places) / 10 ** places;
}
