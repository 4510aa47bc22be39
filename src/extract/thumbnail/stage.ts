import fs from 'node:fs';
import type { StageConfig } from '../registry.js';
import type { StageDefinition } from '../stage.js';
import { saveThumbnail } from '../../catalog/metadata.js';
import { outputFormats } from '../image-io.js';
import { thumbnailOptions } from './options.js';
import { previewPath, thumbPath } from './paths.js';
import type { ThumbnailValue } from './work.js';

/** The thumbnail stage's main-thread definition. */
export function thumbnailStage(config: StageConfig): StageDefinition {
  const options = thumbnailOptions(config.options);
  const definition: StageDefinition<ThumbnailValue> = {
    name: 'thumbnail',
    version: 1,
    lane: 'cpu',
    maxAttempts: 3,
    dependsOn: [],
    workerModule: new URL('./work.js', import.meta.url).href,
    accepts: (file) =>
      file.kind === 'video' ? { ok: false, reason: 'video: thumbnails from videos are not made yet' } : { ok: true },
    fingerprintExtra: 'none',
    options: () => ({ ...options }),
    commit(db, target, value) {
      saveThumbnail(db, { fileId: target.fileId, identity: target.identity, ...value });
    },
    purge(identity) {
      // Whatever format was configured when it was made, nothing of this identity stays behind.
      for (const format of outputFormats) {
        fs.rmSync(thumbPath(config.cacheDir, identity, format), { force: true });
        fs.rmSync(previewPath(config.cacheDir, identity, format), { force: true });
      }
    },
  };
  // The engine handles stages generically; the value type only matters between this stage's own halves.
  return definition as StageDefinition;
}
