/**
 * Temp files a killed process left in the cache. Every cache write goes through a temp file renamed into place
 * (`cacheTempName`: `<name>.<pid>.<random>-<host tag>.tmp`, for thumbnails, previews, model inputs, clip sources and
 * the search cache's files), so a SIGKILL mid-write leaves one behind and nothing else ever removes it. The writer's pid is in the name:
 * a temp file whose writer is no longer running is debris. Called when a run recovers a dead run's work, before any
 * worker of this process writes (so this process's own pid, reused from a dead one, counts as dead too).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The writer's host, in the names of the temp files it writes: a cache shared by workers on several hosts (NFS) holds
 * temp files of processes this host cannot see, whose pids mean nothing here. Only this host's are judged by pid.
 */
const HOST_TAG = createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8);

/** `<anything>.<pid>.tmp`, `<anything>.<pid>.<base36>.tmp` or `<anything>.<pid>.<base36>-<host tag>.tmp`. */
const TEMP_NAME = /\.(\d+)(?:\.[0-9a-z]+)?(?:-([0-9a-f]{8}))?\.tmp$/;

/** A temp file name for `file`, unique per process, call and host. */
export function cacheTempName(file: string): string {
  return `${file}.${process.pid}.${Math.random().toString(36).slice(2)}-${HOST_TAG}.tmp`;
}
/** The cache's layout: kind / 2-hex shard / 2-hex shard / file (extract/thumbnail/paths.ts), search / file. */
const MAX_DEPTH = 3;

export interface TempSweep {
  removed: number;
  /** Files that could not be removed (permissions): named so the user can. */
  failed: string[];
}

/** Removes the cache's temp files whose writer (`isAlive(pid)` false, or `ownPid`) is gone. */
export async function sweepOrphanedTemps(cacheDir: string, isAlive: (pid: number) => boolean, ownPid: number): Promise<TempSweep> {
  const result: TempSweep = { removed: 0, failed: [] };
  const dead = (pid: number) => pid === ownPid || !isAlive(pid);
  await sweepDir(cacheDir, 0, dead, result);
  return result;
}

async function sweepDir(dir: string, depth: number, dead: (pid: number) => boolean, result: TempSweep): Promise<void> {
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(dir, { withFileTypes: true });
  } catch {
    return; // no cache yet, or a folder that went away: nothing to sweep
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (depth < MAX_DEPTH) await sweepDir(full, depth + 1, dead, result);
      continue;
    }
    const m = e.isFile() ? TEMP_NAME.exec(e.name) : null;
    if (!m || (m[2] !== undefined && m[2] !== HOST_TAG) || !dead(Number(m[1]))) continue;
    try {
      await fs.promises.rm(full, { force: true });
      result.removed++;
    } catch {
      result.failed.push(full);
    }
  }
}
