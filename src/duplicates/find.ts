/**
 * Duplicate groups from what the catalog holds (no image is decoded):
 * - exact: same identity, confirmed by a whole-file SHA-256 (computed on demand, cached by the caller);
 * - near: perceptual hashes within `threshold` bits (multi-index hashing + complete linkage);
 * - similar (opt-in): CLIP embeddings with cosine >= `similar`, among photos in no near group.
 * A file is in one group at most; byte-identical copies of a near group's photo are listed in that group. RAW files
 * and videos are matched exactly only: a RAW and its camera JPEG are the same picture on purpose.
 */
import type { DuplicateCandidate, DuplicateKey } from '../catalog/duplicates.js';
import { completeLinkage, type Group } from './grouping.js';
import { hashArray } from './hashes.js';
import { chooseKeep, keepComparator } from './keep.js';
import { nearPairsThreaded } from './near-pairs-threads.js';
import { similarPairs } from './similar.js';

export type DuplicateKind = 'exact' | 'near' | 'similar';

export interface DuplicateGroup {
  kind: DuplicateKind;
  /** exact: 0; near: the largest Hamming distance between two members; similar: the smallest cosine. */
  score: number;
  keep: DuplicateCandidate;
  /** Keep first, then the others by path. */
  files: DuplicateCandidate[];
}

export interface FindOptions {
  /** Largest perceptual-hash distance (bits of 64) of a near pair. */
  threshold: number;
  /** Smallest CLIP cosine of a similar pair; null: no similar groups. */
  similar: number | null;
  /** --prefer globs (absolute). */
  prefer: string[];
  /** Worker threads for the near-pair search of large sets (1: this thread only). */
  threads: number;
}

interface CommonSources {
  /** Whole-file SHA-256 of a file (cached or computed); null when it cannot be read (then it is not matched exactly). */
  contentHash(file: DuplicateCandidate): Promise<string | null>;
  /**
   * Identities held by more than one file, when known (the catalog answers from its index): the rest cannot be
   * exact copies, so they need no map of their own. Without it they are found here.
   */
  sharedIdentities?: ReadonlySet<string>;
  /** Unit-length CLIP embeddings of some files (only asked for with `similar`). */
  embeddings?(fileIds: number[]): Map<number, Float32Array>;
}

/**
 * What the search needs from outside: the files, and the side-effecting lookups. Either every file in full, or
 * only the keys of every file plus `details`, asked only for the files that may share a content and those that end
 * up in groups (a million full rows cost more to read than the whole search).
 */
export type FindSources = CommonSources &
  (
    | { candidates: DuplicateCandidate[]; details?: undefined }
    | {
        candidates: DuplicateKey[];
        /** Full rows by id; a file missing from the answer (gone meanwhile) is left out of the groups. */
        details(fileIds: readonly number[]): Map<number, DuplicateCandidate>;
      }
  );

/** Files with the same bytes; the unit near and similar grouping work on. */
type Content = DuplicateKey[];

/** Full rows of some keys (undefined: gone), read once each. */
type Describe = (files: readonly DuplicateKey[]) => (DuplicateCandidate | undefined)[];

function describer(sources: FindSources): Describe {
  // Full candidates were given: a key is its own full row.
  if (!sources.details) return (files) => files as DuplicateCandidate[];
  const details = sources.details;
  const known = new Map<number, DuplicateCandidate | undefined>();
  return (files) => {
    const fresh = details(files.filter((f) => !known.has(f.id)).map((f) => f.id));
    for (const f of files) if (!known.has(f.id)) known.set(f.id, fresh.get(f.id));
    return files.map((f) => known.get(f.id));
  };
}

export async function findDuplicates(sources: FindSources, opts: FindOptions): Promise<DuplicateGroup[]> {
  const describe = describer(sources);
  const contents = await exactContents(sources, describe);
  const grouped = new Uint8Array(contents.length);
  const out: { kind: DuplicateKind; score: number; files: DuplicateKey[] }[] = [];
  /** items: indices into contents; groups: of positions in items. */
  const collect = (kind: DuplicateKind, items: number[], groups: Group[], score: (g: Group) => number) => {
    for (const g of groups) {
      for (const m of g.members) grouped[items[m]!] = 1;
      out.push({ kind, score: score(g), files: g.members.flatMap((m) => contents[items[m]!]!) });
    }
  };
  const hashed: number[] = [];
  const hex: string[] = [];
  contents.forEach((c, i) => {
    const withHash = c[0]!.kind === 'image' ? c.find((f) => f.phash) : undefined;
    if (withHash) hashed.push(i), hex.push(withHash.phash!);
  });
  const pairs = await nearPairsThreaded(hashArray(hex), opts.threshold, opts.threads);
  collect('near', hashed, completeLinkage(hashed.length, pairs), (g) => g.diameter);
  if (opts.similar !== null && sources.embeddings) {
    const rest = contents.flatMap((c, i) => (c[0]!.kind === 'image' && !grouped[i] ? [i] : []));
    const vectors = sources.embeddings(rest.map((i) => contents[i]![0]!.id));
    const items = rest.filter((i) => vectors.has(contents[i]![0]!.id));
    const edges = similarPairs(items.map((i) => vectors.get(contents[i]![0]!.id)!), opts.similar);
    collect('similar', items, completeLinkage(items.length, edges), (g) => Math.round((1 - g.diameter) * 10_000) / 10_000);
  }
  contents.forEach((c, i) => {
    if (c.length > 1 && !grouped[i]) out.push({ kind: 'exact', score: 0, files: c });
  });
  return rankGroups(out, describe, opts.prefer);
}

/** Full rows for the grouped files, the keep choice of each group, and the order groups are printed in. */
function rankGroups(out: { kind: DuplicateKind; score: number; files: DuplicateKey[] }[], describe: Describe, prefer: string[]): DuplicateGroup[] {
  const rows = describe(out.flatMap((g) => g.files));
  let at = 0;
  const compare = keepComparator(prefer);
  const kindOrder: Record<DuplicateKind, number> = { exact: 0, near: 1, similar: 2 };
  return out
    .flatMap((g) => {
      const files = rows.slice(at, (at += g.files.length)).filter((f): f is DuplicateCandidate => f !== undefined);
      if (files.length < 2) return [];
      const keep = chooseKeep(files, compare);
      const others = files.filter((f) => f !== keep).sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
      return [{ kind: g.kind, score: g.score, keep, files: [keep, ...others] }];
    })
    .sort((x, y) => kindOrder[x.kind] - kindOrder[y.kind] || (x.keep.path < y.keep.path ? -1 : x.keep.path > y.keep.path ? 1 : 0));
}

/**
 * Splits files into contents: files sharing an identity are hashed whole, and only equal hashes share a content
 * (an identity covers the size and the first and last 64 KiB, so a change in the middle would otherwise pass).
 */
async function exactContents(sources: FindSources, describe: Describe): Promise<Content[]> {
  const shared = new Map<string, DuplicateKey[]>();
  const repeated = sources.sharedIdentities ?? repeatedIdentities(sources.candidates);
  const contents: Content[] = [];
  for (const f of sources.candidates) {
    if (f.identity && repeated.has(f.identity)) shared.get(f.identity)?.push(f) ?? shared.set(f.identity, [f]);
    else contents.push([f]);
  }
  // Its twins may lie outside the PATHs asked about: then there is nothing to confirm.
  const twins = [...shared.values()].filter((files) => files.length > 1);
  const rows = describe(twins.flat());
  let at = 0;
  for (const files of shared.values()) {
    if (files.length === 1) {
      contents.push(files);
      continue;
    }
    const byHash = new Map<string, DuplicateKey[]>();
    for (const f of files) {
      const row = rows[at++];
      const hash = row ? await sources.contentHash(row) : null;
      if (hash === null) contents.push([f]);
      else byHash.get(hash)?.push(f) ?? byHash.set(hash, [f]);
    }
    contents.push(...byHash.values());
  }
  return contents;
}

function repeatedIdentities(files: readonly DuplicateKey[]): Set<string> {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const f of files) {
    if (!f.identity) continue;
    if (seen.has(f.identity)) repeated.add(f.identity);
    else seen.add(f.identity);
  }
  return repeated;
}
