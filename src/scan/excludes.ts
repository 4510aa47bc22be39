import path from 'node:path';

/** Synology/macOS/NAS clutter and VCS folders: never media the user means to index. */
const defaultExcludes: readonly string[] = ['@eaDir', '._*', '#recycle', '#snapshot', '.git'];

/**
 * Turns user and default exclude globs into fast-glob `ignore` patterns relative to the root.
 * A glob without '/' matches a file or folder name at any depth (like .gitignore); one with '/' is anchored at the root.
 * Each pattern also excludes everything below a matching folder, so the walk never descends there.
 */
export function ignorePatterns(userGlobs: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of [...defaultExcludes, ...userGlobs]) {
    const glob = raw.replace(/\/+$/, '');
    if (glob === '') continue;
    const anchored = glob.includes('/') ? glob.replace(/^\/+/, '') : `**/${glob}`;
    out.push(anchored, `${anchored}/**`);
  }
  return out;
}

/** Other catalog roots nested inside `root` are walked as their own roots, so this root's walk skips them. */
export function nestedRootPatterns(root: string, otherRoots: readonly string[]): string[] {
  const out: string[] = [];
  for (const other of otherRoots) {
    const rel = path.relative(root, other);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) continue;
    const escaped = escapeGlob(rel.split(path.sep).join('/'));
    out.push(escaped, `${escaped}/**`);
  }
  return out;
}

/** fast-glob's escapePath for POSIX paths: the patterns keep fast-glob's syntax (the walk is our own, see walk.ts). */
function escapeGlob(p: string): string {
  return p.replace(/(\\?)([()*?[\]{|}]|^!|[!+@](?=\()|\\(?![!()*+?@[\]{|}]))/g, '\\$2');
}
