/**
 * `indexer worker --path-map FROM=TO`: the catalog records each file under the path the scanning host sees
 * (/mnt/nas/photos/...); a worker on a host that mounts the same share elsewhere (/Volumes/nas/...) reads it there.
 * Only where the worker reads changes: the catalog's paths and the cache keys (the file's identity) stay as they are,
 * so every host shares one catalog and one cache.
 */
import path from 'node:path';
import { ExitCode, UserError } from '../errors.js';

export interface PathMapping {
  from: string;
  to: string;
}

/** Maps a catalog path to where this host reads it; the identity function when there is no mapping. */
export type MapPath = (catalogPath: string) => string;

/** Parses the repeated `--path-map FROM=TO` values; a bad one is a usage error naming the flag and the value. */
export function parsePathMaps(values: readonly string[]): PathMapping[] {
  const seen = new Map<string, string>();
  const out: PathMapping[] = [];
  for (const value of values) {
    const bad = (why: string) => new UserError(`--path-map '${value}': ${why} (expected FROM=TO, e.g. /mnt/nas=/Volumes/nas)`, ExitCode.usage);
    const eq = value.indexOf('=');
    if (eq < 0) throw bad('no =');
    const [from, to] = [value.slice(0, eq), value.slice(eq + 1)];
    if (!from || !to) throw bad(from ? 'TO is empty' : 'FROM is empty');
    if (!path.isAbsolute(from) || !path.isAbsolute(to)) throw bad('both paths must be absolute');
    const mapping = { from: trimSlash(path.normalize(from)), to: trimSlash(path.normalize(to)) };
    const earlier = seen.get(mapping.from);
    if (earlier !== undefined && earlier !== mapping.to) throw bad(`${mapping.from} is already mapped to ${earlier}`);
    seen.set(mapping.from, mapping.to);
    out.push(mapping);
  }
  return out;
}

/** The longest FROM that is the path itself or one of its parent folders wins (/mnt/nas/a before /mnt/nas). */
export function pathMapper(mappings: readonly PathMapping[]): MapPath {
  if (mappings.length === 0) return (p) => p;
  const longestFirst = [...mappings].sort((a, b) => b.from.length - a.from.length);
  return (p) => {
    for (const m of longestFirst) {
      if (p === m.from) return m.to;
      const prefix = m.from === '/' ? '/' : m.from + '/';
      if (p.startsWith(prefix)) return path.join(m.to, p.slice(prefix.length));
    }
    return p;
  };
}

function trimSlash(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}
