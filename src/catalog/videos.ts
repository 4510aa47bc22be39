/** SQL for the video stage's results (table from migration 009) and for pairing Live Photos. */
import type { Db } from './sql.js';
import { statement } from './statements.js';
import { tableExists } from './dialect.js';

/** One row of the videos table; see 009-videos.ts for the columns. */
export interface VideoRow {
  durationSec: number | null;
  width: number | null;
  height: number | null;
  rotation: number | null;
  fps: number | null;
  videoCodec: string | null;
  audioCodec: string | null;
  container: string | null;
  bitRate: number | null;
  posterSec: number | null;
  motionPhoto: string | null;
  clipOffset: number | null;
  clipLength: number | null;
}

const COLUMNS: [keyof VideoRow, string][] = [
  ['durationSec', 'duration_sec'],
  ['width', 'width'],
  ['height', 'height'],
  ['rotation', 'rotation'],
  ['fps', 'fps'],
  ['videoCodec', 'video_codec'],
  ['audioCodec', 'audio_codec'],
  ['container', 'container'],
  ['bitRate', 'bit_rate'],
  ['posterSec', 'poster_sec'],
  ['motionPhoto', 'motion_photo'],
  ['clipOffset', 'clip_offset'],
  ['clipLength', 'clip_length'],
];

const UPSERT = `INSERT INTO videos (file_id, ${COLUMNS.map(([, c]) => c).join(', ')})
  VALUES (@fileId, ${COLUMNS.map(([k]) => '@' + k).join(', ')})
  ON CONFLICT(file_id) DO UPDATE SET ${COLUMNS.map(([, c]) => `${c} = excluded.${c}`).join(', ')}`;

export function saveVideo(db: Db, fileId: number, row: VideoRow): void {
  const params: Record<string, unknown> = { fileId };
  for (const [k] of COLUMNS) params[k] = row[k] ?? null;
  statement(db, UPSERT).run(params);
}

/** A still that is no longer a motion photo (re-saved without its clip) keeps no stale row. */
export function deleteVideo(db: Db, fileId: number): void {
  statement(db, 'DELETE FROM videos WHERE file_id = ?').run(fileId);
}

const SELECT = `SELECT ${COLUMNS.map(([k, c]) => `${c} AS "${k}"`).join(', ')} FROM videos WHERE file_id = ?`;

export function getVideo(db: Db, fileId: number): VideoRow | null {
  // A catalog from before migration 009 (read-only `info` on an old catalog) has no table: nothing to show.
  if (!tableExists(db, 'videos')) return null;
  const r = statement(db, SELECT).get(fileId) as VideoRow | undefined;
  return r ?? null;
}

/**
 * The other half of an Apple Live Photo: a present file in the same folder with the same name before the extension,
 * of the other kind (the still for a video, the video for a still). Null when there is none, or more than one.
 */
// A range on the path index: '.' sorts just before '/', so [stem., stem/) holds every stem.EXT (and stem.x.y).
const SAME_STEM = `SELECT path, kind FROM files WHERE path >= ? AND path < ? AND id != ? AND state = 'present'`;

export function livePhotoPartner(db: Db, file: { id: number; path: string; kind: string }): string | null {
  const slash = file.path.lastIndexOf('/');
  const dot = file.path.lastIndexOf('.');
  if (dot <= slash) return null;
  const stem = file.path.slice(0, dot);
  const rows = statement(db, SAME_STEM).all(stem + '.', stem + '/', file.id) as { path: string; kind: string }[];
  const wantVideo = file.kind !== 'video';
  const partners = rows.filter((r) => !/[./]/.test(r.path.slice(stem.length + 1)) && (r.kind === 'video') === wantVideo);
  return partners.length === 1 ? partners[0]!.path : null;
}
