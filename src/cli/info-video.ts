/** The video parts of `indexer info`: a video's facts (or a motion photo's embedded clip) and its Live Photo partner. */
import type { Db } from '../catalog/open.js';
import { getVideo, livePhotoPartner } from '../catalog/videos.js';

export type VideoInfo = ReturnType<typeof videoInfo>;

export function videoInfo(db: Db, file: { id: number; path: string; kind: string }) {
  const v = getVideo(db, file.id);
  const video = v && {
    durationSec: v.durationSec,
    width: v.width,
    height: v.height,
    rotation: v.rotation,
    fps: v.fps,
    videoCodec: v.videoCodec,
    audioCodec: v.audioCodec,
    container: v.container,
    bitRate: v.bitRate,
    posterSec: v.posterSec,
    /** Set for a still with an embedded clip: which kind of motion photo (google, microvideo, samsung). */
    motionPhoto: v.motionPhoto,
    ...(v.motionPhoto && { clipOffset: v.clipOffset, clipLength: v.clipLength }),
  };
  // A Live Photo is two files: the still names its clip and the clip its still.
  const partner = livePhotoPartner(db, file);
  return { video, livePhoto: partner && { [file.kind === 'video' ? 'still' : 'video']: partner } };
}

export function formatVideoInfo(info: VideoInfo): string[] {
  const lines: string[] = [];
  const v = info.video;
  if (v) {
    lines.push(v.motionPhoto ? `motion photo (${v.motionPhoto}), embedded clip:` : 'video:');
    const facts = [
      v.durationSec !== null ? `${v.durationSec.toFixed(2)} s` : null,
      v.width && v.height ? `${v.width}x${v.height}` : null,
      v.rotation ? `rotated ${v.rotation}°` : null,
      v.fps ? `${v.fps} fps` : null,
      [v.videoCodec, v.audioCodec].filter(Boolean).join('/') || null,
      v.container,
      v.bitRate ? `${Math.round(v.bitRate / 1000)} kb/s` : null,
    ].filter(Boolean);
    lines.push(`  ${facts.join(', ')}`);
    if (v.posterSec !== null) lines.push(`  poster at ${v.posterSec} s`);
  }
  const live = info.livePhoto;
  if (live) lines.push(`live photo: ${'still' in live ? `still ${live.still}` : `video ${live.video}`}`);
  return lines;
}
