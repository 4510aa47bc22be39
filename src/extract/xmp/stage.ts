import type { StageConfig } from '../registry.js';
import type { StageDefinition } from '../stage.js';
import { deleteXmp, saveXmp } from '../../catalog/metadata.js';
import type { XmpValue } from './work.js';

/** The xmp stage's main-thread definition. A changed sidecar re-runs only this stage (fingerprintExtra). */
export function xmpStage(_config: StageConfig): StageDefinition {
  const definition: StageDefinition<XmpValue> = {
    name: 'xmp',
    version: 1,
    lane: 'meta',
    maxAttempts: 3,
    dependsOn: [],
    workerModule: new URL('./work.js', import.meta.url).href,
    // Videos are accepted: their sidecars are read even though their embedded metadata is not.
    accepts: () => ({ ok: true }),
    fingerprintExtra: 'sidecar',
    verifySource: 'stat',
    options: () => ({}),
    forget: (db, fileId) => deleteXmp(db, fileId),
    commit(db, target, value) {
      if (!value) {
        deleteXmp(db, target.fileId);
        return;
      }
      saveXmp(db, target.fileId, {
        rating: value.rating,
        label: value.label,
        title: value.title,
        description: value.description,
        keywords: value.keywords.length ? JSON.stringify(value.keywords) : null,
        hierarchical: value.hierarchical.length ? JSON.stringify(value.hierarchical) : null,
        creator: value.creator,
        rights: value.rights,
        people: value.people.length ? JSON.stringify(value.people) : null,
        source: value.source,
      });
    },
  };
  // The engine handles stages generically; the value type only matters between this stage's own halves.
  return definition as StageDefinition;
}
