/**
 * How search applies `--after`, `--camera`, ... before the top-k cut, on either path. The full scan needs the whole
 * list of files that pass (fileFilter: one pass over the catalog, seconds at a million files with a broad filter);
 * the approximate index only needs to know which of its few thousand candidates pass, which the catalog answers
 * for those rows alone. So the list is only built when the full scan asks for it.
 */
import type { Db } from '../catalog/open.js';
import { fileFilter, hasFilters, passingFilters, type FileFilter, type SearchFilters } from '../catalog/embeddings.js';
import { allowFor } from './quantized.js';

export interface CandidateFilter {
  /** Every file search may return, for the full scan (built on first use, then kept). */
  all(): FileFilter;
  /** Which of these candidates search may return, in the order given. */
  passing(ids: readonly number[]): number[];
}

/** The filters of a search request, checked against the catalog. */
export function catalogFilter(db: Db, filters: SearchFilters): CandidateFilter {
  let list: CandidateFilter | undefined;
  const fromList = () => (list ??= listFilter(fileFilter(db, filters)));
  // Without filters only the few files that are not present are excluded: that list is cheap, so it is used.
  if (!hasFilters(filters)) return { all: () => fromList().all(), passing: (ids) => fromList().passing(ids) };
  return { all: () => fromList().all(), passing: (ids) => (list ? list.passing(ids) : passingFilters(db, filters, ids)) };
}

/** A fixed list of allowed (or excluded) files. */
export function listFilter(filter: FileFilter): CandidateFilter {
  let allow: ((id: number) => boolean) | undefined | null = null;
  return {
    all: () => filter,
    passing(ids) {
      if (allow === null) allow = allowFor(filter);
      return allow ? ids.filter(allow) : ids.slice();
    },
  };
}
