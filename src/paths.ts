import os from 'node:os';
import path from 'node:path';

/** Where the catalog lives: --db, else $INDEXER_DB, else $XDG_DATA_HOME/indexer/catalog.db. */
export function resolveCatalogPath(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag) return path.resolve(flag);
  if (env.INDEXER_DB) return path.resolve(env.INDEXER_DB);
  return path.join(dataHome(env), 'indexer', 'catalog.db');
}

/** Where derived files live: --cache-dir, else $INDEXER_CACHE, else $XDG_CACHE_HOME/indexer. */
export function resolveCacheDir(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag) return path.resolve(flag);
  if (env.INDEXER_CACHE) return path.resolve(env.INDEXER_CACHE);
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'indexer');
}

/** XDG data home ($XDG_DATA_HOME, default ~/.local/share). Models are kept under <dataHome>/indexer/models. */
export function dataHome(env: NodeJS.ProcessEnv): string {
  return env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
}
