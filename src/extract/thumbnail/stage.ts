import fs from 'node:fs';
import type { StageConfig } from '../registry.js';
import type { StageDefinition } from '../stage.js';
import { getThumbnail, identityShared, saveThumbnail } from '../../catalog/metadata.js';
import { deleteThumbnailRow } from '../../catalog/derived.js';
import { savePerceptualHash } from '../../catalog/duplicates.js';
import { formatChoices } from './formats.js';
import { clipFiles, previewPath, removeRenditions, thumbPath } from './paths.js';
import { clipSourceWanted, modelInputGeometry } from '../clip/model-source.js';
import type { ThumbnailValue } from './work.js';

/** The thumbnail stage's main-thread definition. */
export function thumbnailStage(config: StageConfig): StageDefinition {
  const options = config.thumbnail;
  const definition: StageDefinition<ThumbnailValue> = {
    name: 'thumbnail',
    // 2: adds the perceptual hash (phash.ts), so catalogs made before it fill it in on `resume`.
    version: 2,
    lane: 'cpu',
    maxAttempts: 3,
    dependsOn: [],
    workerModule: new URL('./work.js', import.meta.url).href,
    accepts: (file) =>
      file.kind === 'video' ? { ok: false, reason: 'video: its poster is made by the video stage' } : { ok: true },
    fingerprintExtra: 'none',
    writesCache: true,
    // Renditions are keyed by identity and shared by identical files: check the bytes, not just size and mtime.
    verifySource: 'identity',
    // With a CLIP model configured, workers also write the model's input from their decode (clip/input-file.ts); with
    // CLIP in use, a small source for the model after it (clip/source-file.ts).
    options: () => ({ ...options, modelInput: modelInputGeometry(config), clipSource: clipSourceWanted(config) }),
    commit(db, target, value) {
      const previous = getThumbnail(db, target.fileId);
      const { phash, ...thumbnail } = value;
      saveThumbnail(db, { fileId: target.fileId, identity: target.identity, ...thumbnail });
      if (phash) savePerceptualHash(db, target.fileId, target.identity, phash);
      // A modified file has a new identity: its old renditions would stay in the cache forever unless removed here
      // (but not while an identical copy elsewhere still uses them).
      if (previous && previous.identity !== target.identity && !identityShared(db, previous.identity, target.fileId)) {
        removeRenditions(config.cacheDir, previous);
      }
    },
    forget(db, fileId) {
      const previous = getThumbnail(db, fileId);
      if (!previous) return;
      deleteThumbnailRow(db, fileId);
      if (identityShared(db, previous.identity, fileId)) return;
      removeRenditions(config.cacheDir, previous);
    },
    purge(identity) {
      // Whatever format was configured when it was made, nothing of this identity stays behind.
      for (const format of formatChoices) {
        fs.rmSync(thumbPath(config.cacheDir, identity, format), { force: true });
        fs.rmSync(previewPath(config.cacheDir, identity, format), { force: true });
      }
      for (const file of clipFiles(config.cacheDir, identity)) fs.rmSync(file, { force: true });
    },
  };
  // The engine handles stages generically; the value type only matters between this stage's own halves.
  return definition as StageDefinition;
}
