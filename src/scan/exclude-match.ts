import micromatch from 'micromatch';

/**
 * fast-glob's `ignore` semantics, for our own walk: the patterns are compiled by micromatch (fast-glob's matcher) with
 * the options fast-glob would use (case-insensitive, dot: true for ignore patterns). A file is excluded when any
 * pattern matches its path relative to the root; a folder is not entered when a pattern ending in `/**` matches it.
 *
 * Most patterns are `**\/NAME-GLOB` (ignorePatterns writes every bare glob that way), which match exactly when the
 * last segment matches NAME-GLOB: those are tested against the name alone, all at once in one regex, so the walk pays
 * one short regex test per entry rather than one per pattern on the whole path.
 */
export interface ExcludeMatcher {
  /** Path relative to the root, and its last segment. */
  file(rel: string, name: string): boolean;
  folder(rel: string, name: string): boolean;
}

const options: micromatch.Options = { dot: true, nocase: true, posix: true, strictSlashes: false };

export function excludeMatcher(patterns: readonly string[]): ExcludeMatcher {
  const fileNames: RegExp[] = [];
  const filePaths: RegExp[] = [];
  const folderNames: RegExp[] = [];
  const folderPaths: RegExp[] = [];
  for (const pattern of patterns) {
    if (!pattern.endsWith('/**')) {
      const name = nameGlob(pattern);
      if (name !== null) fileNames.push(micromatch.makeRe(name, options));
      else filePaths.push(micromatch.makeRe(pattern, options));
      continue;
    }
    // fast-glob prunes folders with the patterns that "affect the depth of reading": those ending in /**. Files need
    // not be tested against them: `P/**` also matches P itself, so any file it matches lies in a pruned folder.
    const stem = pattern.slice(0, -'/**'.length);
    const stemName = nameGlob(stem);
    if (stemName !== null) folderNames.push(micromatch.makeRe(stemName, options));
    else folderPaths.push(micromatch.makeRe(pattern, options));
  }
  const fileName = anyOf(fileNames);
  const folderName = anyOf(folderNames);
  return {
    file: (rel, n) => (fileName !== null && fileName.test(n)) || filePaths.some((re) => re.test(rel)),
    folder: (rel, n) => (folderName !== null && folderName.test(n)) || folderPaths.some((re) => re.test(rel)),
  };
}

/** `**\/G` with G a single segment without globstars -> G; anything else -> null (matched on the whole path). */
function nameGlob(pattern: string): string | null {
  if (!pattern.startsWith('**/')) return null;
  const rest = pattern.slice(3);
  if (rest === '' || rest.includes('/') || rest.includes('**')) return null;
  return rest;
}

/** One regex for many (each is anchored): one test per name instead of one per pattern. */
function anyOf(res: readonly RegExp[]): RegExp | null {
  if (res.length === 0) return null;
  if (res.length === 1) return res[0]!;
  return new RegExp(res.map((re) => `(?:${re.source})`).join('|'), res[0]!.flags);
}
