/**
 * The motion stage's main-thread definition: JPEG and HEIC stills are checked for an embedded clip (Google Motion
 * Photo, MicroVideo, Samsung); a motion photo gets a row in the videos table naming its kind and the clip's place and
 * facts, which `info` shows as the still's `video` block. The still itself is indexed as a photo by the other stages.
 * No preflight: finding the clip needs no ffmpeg, and photos must never wait on it.
 */
import type { StageConfig } from '../registry.js';
import type { StageDefinition } from '../stage.js';
import { deleteVideo, saveVideo } from '../../catalog/videos.js';
import { videoTools } from './tools.js';
import { childTimeoutMs } from './options.js';
import { watchChildren } from './child-watch.js';
import type { MotionValue } from './motion-work.js';

const STILLS = new Set(['jpg', 'jpeg', 'heic', 'heif']);

export function motionStage(config: StageConfig): StageDefinition {
  const tools = videoTools(config.env);
  watchChildren();
  const definition: StageDefinition<MotionValue> = {
    name: 'motion',
    version: 1,
    lane: 'meta',
    maxAttempts: 2,
    dependsOn: [],
    workerModule: new URL('./motion-work.js', import.meta.url).href,
    accepts: (file) =>
      file.kind === 'image' && STILLS.has(file.ext.toLowerCase().replace(/^\./, ''))
        ? { ok: true }
        : { ok: false, reason: 'motion photos are JPEG or HEIC stills' },
    fingerprintExtra: 'none',
    verifySource: 'stat',
    options: () => ({ ...tools, videoTimeoutMs: childTimeoutMs(config.taskTimeoutMs) }),
    commit(db, target, value) {
      if (!value) return deleteVideo(db, target.fileId);
      const f = value.facts;
      saveVideo(db, target.fileId, {
        durationSec: f?.durationSec ?? null,
        width: f?.width ?? null,
        height: f?.height ?? null,
        rotation: f?.rotation ?? null,
        fps: f?.fps ?? null,
        videoCodec: f?.videoCodec ?? null,
        audioCodec: f?.audioCodec ?? null,
        container: f?.container ?? null,
        bitRate: null, // ffprobe's rate would be the whole still's bytes over the clip's duration
        posterSec: null,
        motionPhoto: value.clip.kind,
        clipOffset: value.clip.offset,
        clipLength: value.clip.length,
      });
    },
  };
  return definition as StageDefinition;
}
