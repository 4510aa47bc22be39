import type { Clock } from '../types.js';

/**
 * One writer per catalog. Resolves to a release function; throws UserError(75)
 * `another indexer (pid N) is using CATALOG` unless `wait`. A lock left by a dead process is taken over.
 * (Placeholder: the scan issue builds it.)
 */
export async function acquireWriterLock(
  _catalogPath: string,
  _opts: { wait: boolean; clock?: Clock; signal?: AbortSignal },
): Promise<() => void> {
  return () => {};
}
