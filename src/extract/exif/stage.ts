import type { StageConfig } from '../registry.js';
import { deleteExifRow } from '../../catalog/derived.js';
import type { StageDefinition } from '../stage.js';
import { saveExif } from '../../catalog/metadata.js';
import type { ExifRecord } from './normalize.js';

/** The exif stage's main-thread definition. */
export function exifStage(_config: StageConfig): StageDefinition {
  const definition: StageDefinition<ExifRecord> = {
    name: 'exif',
    version: 1,
    lane: 'meta',
    maxAttempts: 3,
    dependsOn: [],
    workerModule: new URL('./work.js', import.meta.url).href,
    accepts: (file) => (file.kind === 'video' ? { ok: false, reason: 'video: its metadata is read by the video stage' } : { ok: true }),
    fingerprintExtra: 'none',
    verifySource: 'stat',
    options: () => ({}),
    commit(db, target, value) {
      saveExif(db, target.fileId, value);
    },
    forget: (db, fileId) => deleteExifRow(db, fileId),
  };
  // The engine handles stages generically; the value type only matters between this stage's own halves.
  return definition as StageDefinition;
}
