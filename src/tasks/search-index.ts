/**
 * After a phase 2 that ran the clip stage, the approximate search index of every big enough model is built or
 * brought up to date (src/search/ann-store.ts), so searches never wait for a long build. Best effort: the index is
 * a cache, and a failure here costs only speed (search falls back to the full scan), never the run.
 */
import type { Db } from '../catalog/open.js';
import type { CliEnv } from '../cli/env.js';

export async function refreshSearchIndex(db: Db, place: { catalogPath: string; cacheDir: string }, cli: CliEnv, quiet: boolean, signal: AbortSignal): Promise<void> {
  try {
    const { refreshIndexes, thresholdFrom } = await import('../search/ann-store.js');
    const done = refreshIndexes(db, { dir: place.cacheDir, catalogPath: place.catalogPath }, thresholdFrom(cli.env), signal, (modelId, rows) => {
      if (!quiet) cli.stderr.write(`search index: adding ${rows.toLocaleString('en')} embeddings of ${modelId}\n`);
    });
    for (const d of done) {
      if (d.outcome === 'failed') cli.stderr.write(`search index for ${d.modelId}: could not be written under ${place.cacheDir} (search scans every vector instead)\n`);
    }
  } catch (err) {
    cli.stderr.write(`search index: not updated (${(err as Error)?.message ?? String(err)}); search scans every vector instead\n`);
  }
}
