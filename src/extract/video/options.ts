/** The video stage's options: what travels to workers with every task. */
import { geometryKey, type ModelInputGeometry } from '../clip/input-file.js';

export interface VideoOptions {
  ffprobe: string;
  ffmpeg: string;
  /** The whole task's limit for its children (a bit under --task-timeout, so the worker reports it); 0: none. */
  timeoutMs: number;
  /** Frames besides the poster that CLIP sees (only with a model configured). */
  clipFrames: number;
}

/** Poster plus four: enough to cover a clip's scenes without decoding much (see README, CLIP for videos). */
export const defaultClipFrames = 4;

export function readVideoOptions(raw: Record<string, unknown>): VideoOptions {
  return {
    ffprobe: typeof raw.ffprobe === 'string' ? raw.ffprobe : 'ffprobe',
    ffmpeg: typeof raw.ffmpeg === 'string' ? raw.ffmpeg : 'ffmpeg',
    timeoutMs: Number(raw.videoTimeoutMs) > 0 ? Number(raw.videoTimeoutMs) : 0,
    clipFrames: Number.isInteger(raw.clipFrames) ? Number(raw.clipFrames) : defaultClipFrames,
  };
}

/** --task-timeout as commander parsed it (ms; 0 = never); the engine's default when not given. */
export function taskTimeout(value: unknown): number {
  return typeof value === 'number' ? value : 5 * 60_000;
}

/**
 * The children's limit from --task-timeout: under it by a tenth (at least 5 s, at most half), so the worker kills a
 * hung decoder and reports it before the engine gives up on the whole thread (whose timer starts earlier, at
 * dispatch, before a new thread has even loaded its modules). 0 (never) stays 0.
 */
export function childTimeoutMs(taskTimeoutMs: number | undefined): number {
  if (!taskTimeoutMs || taskTimeoutMs <= 0) return 0;
  return Math.max(Math.round(taskTimeoutMs / 2), taskTimeoutMs - Math.max(5_000, Math.round(taskTimeoutMs / 10)));
}

/** The model-input key of extra CLIP frame `i` (1-based; the poster's own is geometryKey). */
export function frameKey(g: ModelInputGeometry, i: number): string {
  return `${geometryKey(g)}.f${i}`;
}
