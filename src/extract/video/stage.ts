/**
 * The video stage's main-thread definition. One task per video file does what a photo's thumbnail and exif tasks do
 * between them (the facts, capture time, GPS and camera, the poster's thumbnail, preview and thumbhash in the same
 * cache layout), because both come from the same ffprobe run and the poster's offset needs the duration. Without
 * ffprobe/ffmpeg the stage pauses with one line; photos are not affected.
 */
import type { StageConfig } from '../registry.js';
import type { StageDefinition } from '../stage.js';
import { getThumbnail, identityShared, saveExif, saveThumbnail } from '../../catalog/metadata.js';
import { deleteVideo, saveVideo } from '../../catalog/videos.js';
import { savePerceptualHash } from '../../catalog/duplicates.js';
import { deleteExifRow, deleteThumbnailRow } from '../../catalog/derived.js';
import { removeRenditions } from '../thumbnail/paths.js';
import { clipSourceWanted, modelInputGeometry } from '../clip/model-source.js';
import { checkTools, videoTools } from './tools.js';
import { watchChildren } from './child-watch.js';
import { childTimeoutMs } from './options.js';
import type { VideoValue } from './work.js';

export function videoStage(config: StageConfig): StageDefinition {
  const thumbs = config.thumbnail;
  const tools = videoTools(config.env);
  let checked: Promise<string | null> | undefined;
  watchChildren();
  const definition: StageDefinition<VideoValue> = {
    name: 'video',
    version: 1,
    lane: 'cpu',
    maxAttempts: 2,
    dependsOn: [],
    workerModule: new URL('./work.js', import.meta.url).href,
    accepts: (file) => (file.kind === 'video' ? { ok: true } : { ok: false, reason: 'not a video' }),
    fingerprintExtra: 'none',
    // Posters are keyed by identity and shared by identical files, as thumbnails are: check the bytes, and check the
    // cache is writable before any work.
    verifySource: 'identity',
    writesCache: true,
    preflight: async (context) => {
      // No video to do this run: no reason to complain about a missing ffmpeg (a photo library on a machine without
      // it was told "video paused" every run), nor to start ffprobe and ffmpeg beside the clip stage's model load.
      if (context && context.pending === 0) return null;
      checked ??= checkTools(tools);
      return await checked;
    },
    options: () => ({
      ...thumbs,
      ...tools,
      modelInput: modelInputGeometry(config),
      clipSource: clipSourceWanted(config),
      videoTimeoutMs: childTimeoutMs(config.taskTimeoutMs),
    }),
    commit(db, target, value) {
      const previous = getThumbnail(db, target.fileId);
      saveVideo(db, target.fileId, { ...value.facts, posterSec: value.posterSec, motionPhoto: null, clipOffset: null, clipLength: null });
      saveExif(db, target.fileId, value.exif);
      const { phash, ...thumbnail } = value.thumbnail;
      saveThumbnail(db, { fileId: target.fileId, identity: target.identity, ...thumbnail });
      savePerceptualHash(db, target.fileId, target.identity, phash);
      // As the thumbnail stage does: a modified video's old renditions go, unless an identical copy still uses them.
      if (previous && previous.identity !== target.identity && !identityShared(db, previous.identity, target.fileId)) {
        removeRenditions(config.cacheDir, previous);
      }
    },
    // A changed video whose new bytes fail keeps nothing that described the old ones (facts, capture data, poster and
    // its renditions, unless an identical copy still uses them), as the thumbnail stage forgets a photo's.
    forget(db, fileId) {
      const previous = getThumbnail(db, fileId);
      deleteVideo(db, fileId);
      deleteExifRow(db, fileId);
      deleteThumbnailRow(db, fileId);
      if (previous && !identityShared(db, previous.identity, fileId)) removeRenditions(config.cacheDir, previous);
    },
  };
  // The engine handles stages generically; the value type only matters between this stage's own halves.
  return definition as StageDefinition;
}
