/** The parts of `indexer status` that live outside the catalog: the CLIP model a run would use, the cache's size. */
import fs from 'node:fs';
import path from 'node:path';
import { noModelHint, resolveModelDir } from '../models/model-dir.js';

export interface StatusEnvironment {
  /** The model `indexer scan` would use now (no --model given); null when none is installed. */
  clipModel: { name: string; dir: string } | null;
  /** Bytes under the cache dir; `complete` false when counting stopped at its time budget (a lower bound). */
  cache: { dir: string; bytes: number; files: number; complete: boolean };
}

/** A huge cache (millions of thumbnails) is counted for at most this long: status must stay quick. */
const CACHE_BUDGET_MS = 500;

export function statusEnvironment(cacheDir: string, env: NodeJS.ProcessEnv, now: () => number): StatusEnvironment {
  const dir = resolveModelDir(undefined, env);
  const clipModel = dir && fs.existsSync(path.join(dir, 'config.json')) ? { name: path.basename(dir), dir } : null;
  return { clipModel, cache: { dir: cacheDir, ...cacheSize(cacheDir, now() + CACHE_BUDGET_MS, now) } };
}

function cacheSize(root: string, deadline: number, now: () => number): { bytes: number; files: number; complete: boolean } {
  let bytes = 0;
  let files = 0;
  const stack = [root];
  while (stack.length > 0) {
    if (now() > deadline) return { bytes, files, complete: false };
    const dir = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue; // no cache yet, or a folder removed while counting
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) {
        try {
          bytes += fs.statSync(p).size;
          files++;
        } catch {
          // removed while counting
        }
      }
    }
  }
  return { bytes, files, complete: true };
}

export function environmentLines(e: StatusEnvironment): string[] {
  const model = e.clipModel ? `clip model: ${e.clipModel.name} (${e.clipModel.dir})` : `clip model: none installed (${noModelHint})`;
  const size = `${e.cache.complete ? '' : 'at least '}${formatBytes(e.cache.bytes)}`;
  return [model, `cache: ${e.cache.dir}, ${size} in ${e.cache.files.toLocaleString('en')} files`];
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
