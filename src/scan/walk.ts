import fs from 'node:fs';
import { excludeMatcher } from './exclude-match.js';
import { classifyName } from './media.js';
import { describeProblem, type ScanProblem } from './problems.js';

/** Media and sidecar names of one folder (a folder's entries are read together). */
export interface FolderGroup {
  /** Absolute folder path. */
  dir: string;
  /** Media file names (by extension). */
  media: string[];
  /** `.xmp` names. */
  sidecars: string[];
}

export interface WalkOptions {
  /** Absolute root folder. */
  root: string;
  /** fast-glob style ignore patterns relative to the root (see excludes.ts and exclude-match.ts). */
  ignore: string[];
  /** Include hidden files and folders. */
  hidden: boolean;
  /** Follow symbolic links (folders and files); loops are cut. */
  followSymlinks: boolean;
}

export interface WalkResult {
  /** Folders the walk could not read: their files are neither seen nor deleted this time. */
  problems: ScanProblem[];
  /** False when stopped early: nothing may be deleted on the strength of this walk. */
  complete: boolean;
}

export interface Walk {
  /** Folders holding media, depth first; pulled one at a time, so memory holds one folder and the pending stack. */
  groups: Generator<FolderGroup>;
  /** After `groups` is done (or abandoned). */
  result(): WalkResult;
}

/**
 * Walks a root with plain synchronous readdir (file types included): it runs on the walker thread, where blocking is
 * the point. It is our own rather than fast-glob's: fast-glob's per-entry streams, queues and pattern tests took most
 * of an unchanged rescan's time (README, "Scan performance"; ARCHITECTURE.md). Excludes keep fast-glob's rules through
 * exclude-match.ts, and test/scan/walk.test.ts checks this walk against fast-glob itself.
 * Unreadable folders are recorded, not fatal. Without --follow-symlinks links are skipped; with it, a link is
 * stat()ed, a broken one skipped, and every folder is entered once by device and inode, which cuts loops.
 */
export function walkRoot(opts: WalkOptions, stopped: () => boolean): Walk {
  const problems: ScanProblem[] = [];
  const exclude = excludeMatcher(opts.ignore);
  const visited = new Set<string>();
  const root = opts.root.length > 1 ? opts.root.replace(/\/+$/, '') : opts.root;
  let finished = false;

  /** True the first time a folder (by device and inode) is met; always true when links are not followed. */
  const firstVisit = (dir: string): boolean => {
    if (!opts.followSymlinks) return true;
    try {
      const st = fs.statSync(dir);
      const key = `${st.dev}:${st.ino}`;
      if (visited.has(key)) return false;
      visited.add(key);
    } catch {
      // Unreadable: readdir reports it.
    }
    return true;
  };

  function* groups(): Generator<FolderGroup> {
    // Pending folders as [absolute, relative]; relative '' is the root.
    const stack: [string, string][] = [[root, '']];
    while (stack.length > 0) {
      if (stopped()) return;
      const [dir, rel] = stack.pop()!;
      if (!firstVisit(dir)) continue;
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch (err) {
        problems.push(describeProblem('folder', dir, err));
        continue;
      }
      const group: FolderGroup = { dir, media: [], sidecars: [] };
      const prefix = dir === '/' ? '/' : `${dir}/`;
      const relPrefix = rel === '' ? '' : `${rel}/`;
      const subfolders: [string, string][] = [];
      for (const entry of entries) {
        const name = entry.name;
        if (!opts.hidden && name.charCodeAt(0) === 46 /* '.' */) continue;
        let isDir = entry.isDirectory();
        let isFile = entry.isFile();
        if (entry.isSymbolicLink()) {
          if (!opts.followSymlinks) continue;
          const target = statOrNull(prefix + name);
          if (target === null) continue; // broken link: nothing to index
          isDir = target.isDirectory();
          isFile = target.isFile();
        }
        if (isFile) {
          const kind = classifyName(name);
          if (kind === null) continue;
          if (exclude.file(relPrefix + name, name)) continue;
          (kind === 'media' ? group.media : group.sidecars).push(name);
        } else if (isDir) {
          if (exclude.folder(relPrefix + name, name)) continue;
          subfolders.push([prefix + name, relPrefix + name]);
        }
      }
      // Reversed onto the stack, so folders are walked in the order readdir gave them.
      for (let i = subfolders.length - 1; i >= 0; i--) stack.push(subfolders[i]!);
      if (group.media.length > 0) yield group;
    }
    finished = true;
  }

  return { groups: groups(), result: () => ({ problems, complete: finished && !stopped() }) };
}

function statOrNull(file: string): fs.Stats | null {
  try {
    return fs.statSync(file);
  } catch {
    return null;
  }
}
