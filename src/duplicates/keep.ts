/**
 * Which file of a group to keep. The rule, in order (the first difference decides):
 * 1. `--prefer PATHGLOB`: a file matching one of the globs (the first glob given wins over later ones);
 * 2. more pixels (a half-size copy is never kept over the full-size one);
 * 3. the original format over a derived one: RAW, then JPEG/HEIC (what cameras and phones write), then AVIF/TIFF,
 *    then PNG/WebP/GIF (re-exports: a PNG of a JPEG holds the JPEG's decoded pixels, loss included, in a bigger
 *    file, so at equal pixel count it is not better);
 * 4. more metadata (EXIF/XMP fields: camera, lens, exposure, GPS, capture time, rating, title, keywords...);
 * 5. the oldest capture time (an unknown one counts as newest);
 * 6. the older file (modification time: edits and re-exports are written after their original);
 * 7. the larger file (same pixels, same format: the less compressed one);
 * 8. the shorter path, then the path in byte order, so the choice never depends on catalog order.
 */
import micromatch from 'micromatch';
import type { DuplicateCandidate } from '../catalog/duplicates.js';

const FORMAT_RANK: Record<string, number> = {
  dng: 0, cr2: 0, cr3: 0, nef: 0, arw: 0, orf: 0, rw2: 0, raf: 0,
  jpg: 1, jpeg: 1, heic: 1, heif: 1,
  avif: 2, tif: 2, tiff: 2,
  png: 3, webp: 3, gif: 3,
};

/** Ranks files by the rule above; `prefer` holds absolute-path globs or folders. */
export function keepComparator(prefer: readonly string[]): (x: DuplicateCandidate, y: DuplicateCandidate) => number {
  const matchers = prefer.map(preferMatcher);
  const preferRank = (f: DuplicateCandidate) => {
    const i = matchers.findIndex((m) => m(f.path));
    return i < 0 ? matchers.length : i;
  };
  return (x, y) =>
    preferRank(x) - preferRank(y) ||
    pixels(y) - pixels(x) ||
    (FORMAT_RANK[x.ext] ?? 2) - (FORMAT_RANK[y.ext] ?? 2) ||
    y.metadataFields - x.metadataFields ||
    (x.takenAtMs ?? Infinity) - (y.takenAtMs ?? Infinity) ||
    x.mtimeMs - y.mtimeMs ||
    y.size - x.size ||
    x.path.length - y.path.length ||
    (x.path < y.path ? -1 : x.path > y.path ? 1 : 0);
}

/** The file to keep among `files` (not empty). */
export function chooseKeep(files: readonly DuplicateCandidate[], compare: (x: DuplicateCandidate, y: DuplicateCandidate) => number): DuplicateCandidate {
  return files.reduce((best, f) => (compare(f, best) < 0 ? f : best));
}

function pixels(f: DuplicateCandidate): number {
  return (f.width ?? 0) * (f.height ?? 0);
}

/** A glob matches paths (dotfiles too); a plain folder (no glob characters) matches everything under it. */
function preferMatcher(pattern: string): (p: string) => boolean {
  if (!micromatch.scan(pattern).isGlob) {
    const folder = pattern.replace(/\/+$/, '');
    return (p) => p === folder || p.startsWith(folder + '/');
  }
  const isMatch = micromatch.matcher(pattern, { dot: true });
  return (p) => isMatch(p);
}
