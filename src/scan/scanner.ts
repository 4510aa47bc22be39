import type { Db } from '../catalog/open.js';
import { filesCatalog, type FilesCatalog } from '../catalog/files.js';
import type { Reserve } from '../catalog/reserve.js';
import { rootsCatalog, type RootRow } from '../catalog/roots.js';
import { scansCatalog, zeroCounts, type ScanCounts } from '../catalog/scans.js';
import type { Clock } from '../types.js';
import { adoptMovedFiles, type MovedFromRoot } from './adopt-moves.js';
import { countCommitted } from './committed-counts.js';
import { isCoveredBy } from './diff.js';
import { ignorePatterns, nestedRootPatterns } from './excludes.js';
import { processFolder, type FolderContext } from './folder.js';
import { walkSalt } from './folder-digest.js';
import { walkFolders } from './folder-source.js';
import { probeRoot } from './probe.js';
import { SeenIds, type WalkTally } from './seen.js';
import { printablePath, type ScanProblem } from './problems.js';

export interface ScanSettings {
  /**
   * User --exclude globs (defaults are always added), remembered for each root scanned; null: each root's
   * remembered ones (a plain rescan must not delete what the last scan's excludes hid, nor re-add it).
   */
  excludes: string[] | null;
  hidden: boolean;
  followSymlinks: boolean;
  /** Files modified less than this many ms ago are left for the next run; null: none. */
  settleMs: number | null;
}

export interface ScanProgress {
  root: string;
  /** Media files met so far in this scan. */
  files: number;
  counts: ScanCounts;
}

export interface ScanDeps {
  db: Db;
  clock: Clock;
  signal: AbortSignal;
  /** A per-path problem, already deduplicated; the caller prints it. */
  report(problem: ScanProblem): void;
  /** A notice the user should see even with --quiet (a root went offline). */
  warn(message: string): void;
  /** May return a promise: the walk waits for it (a test hook waits there for its own SIGINT to land). */
  onProgress?(progress: ScanProgress): void | Promise<void>;
  /** Environment knobs (INDEXER_SCAN_STAT_WORKER=0 keeps stat() on the main thread). */
  env?: NodeJS.ProcessEnv;
  /** Room kept beside the catalog (catalog/reserve.ts), given up so a scan stopped by a full disk can record that. */
  reserve?: Reserve;
}

export interface ScanSummary {
  scanId: number;
  /** Root paths scanned. */
  roots: string[];
  rootIds: number[];
  /** Roots found missing, unreadable or empty. */
  offlineRoots: string[];
  counts: ScanCounts;
  outcome: 'complete' | 'interrupted';
  /** Files found moved here from roots this scan did not walk (a renamed root), per old root. */
  movedFrom: MovedFromRoot[];
}

const SWEEP_PAGE = 500;
/** Folder digests written per transaction (a commit each would cost more than the diff of an unchanged folder). */
const DIGEST_BATCH = 200;

/**
 * Phase 1: walk each root, diff it against the catalog, then (only after every walk completed) sweep: a file
 * the walk did not meet either moved (an added file has its identity: the old row takes the new path and keeps its
 * id) or is soft-deleted. An interrupted scan sweeps nothing.
 */
export async function scanRoots(rootPaths: string[], settings: ScanSettings, deps: ScanDeps): Promise<ScanSummary> {
  const { db, clock } = deps;
  const roots = rootsCatalog(db);
  const files = filesCatalog(db);
  const scans = scansCatalog(db);
  const counts = zeroCounts();
  const scanId = scans.start(rootPaths, clock.now());
  const reported = new Set<string>();
  const protectedPaths = new Set<string>();
  const seen = new SeenIds();
  let firstProblem: string | null = null;
  const report = (p: ScanProblem) => {
    if (reported.has(p.path)) return;
    reported.add(p.path);
    counts.errors++;
    firstProblem ??= p.message;
    deps.report(p);
  };
  const summary: ScanSummary = { scanId, roots: rootPaths, rootIds: [], offlineRoots: [], counts, outcome: 'complete', movedFrom: [] };
  try {
    /** Roots walked to the end: swept once every walk is complete. */
    const walked: RootWalk[] = [];
    const allRootPaths = roots.list().map((r) => r.path);
    const scan: ScanContext = {
      deps, files, scanId, counts, report, seen, protectedPaths, allRootPaths,
      settleBefore: settings.settleMs === null ? null : clock.now() - settings.settleMs,
    };
    for (const rootPath of rootPaths) {
      const root = roots.ensure(rootPath, clock.now());
      summary.rootIds.push(root.id);
      if (settings.excludes !== null) {
        roots.setExcludes(root.id, settings.excludes);
        root.excludes = settings.excludes;
      }
      if (!(await rootAvailable(root, files, deps, counts))) {
        roots.setOnline(root.id, false);
        summary.offlineRoots.push(root.path);
        continue;
      }
      roots.setOnline(root.id, true);
      const rootWalk = await walkAndDiff(root, settings, scan);
      if (rootWalk === null) {
        summary.outcome = 'interrupted';
        break;
      }
      walked.push(rootWalk);
    }
    if (summary.outcome === 'complete') {
      for (const { root, fullyMet, unchangedFolders } of walked) {
        if (!fullyMet) {
          // Rows of folders skipped by their digest are all live and met: mark them so the sweep leaves them be.
          for (const dir of unchangedFolders) for (const id of files.idsInFolder(dir)) seen.add(id);
          sweep(root.id, scan);
        }
        roots.markComplete(root.id, scanId, clock.now());
      }
      const walkedIds = walked.map((w) => w.root.id);
      summary.movedFrom = adoptMovedFiles(db, files, scanId, walkedIds, counts, clock.now());
    }
    scans.finish(scanId, summary.outcome, counts, noteFor(summary, firstProblem), clock.now());
    return summary;
  } catch (err) {
    deps.reserve?.free();
    try {
      scans.finish(scanId, 'failed', counts, (err as Error)?.message ?? String(err), clock.now());
    } catch {
      // The catalog refuses even this (its disk still full): the error that stopped the scan is the one to report.
    }
    throw err;
  }
}

/** What every root's walk in one scan shares. */
interface ScanContext {
  deps: ScanDeps;
  files: FilesCatalog;
  scanId: number;
  counts: ScanCounts;
  report(problem: ScanProblem): void;
  seen: SeenIds;
  protectedPaths: Set<string>;
  allRootPaths: string[];
  settleBefore: number | null;
}

/** A root walked to the end. */
interface RootWalk {
  root: RootRow;
  /** The walk met every live row of the root: its sweep has nothing to find. */
  fullyMet: boolean;
  /** Folders whose digest matched (their rows were not read, so not marked in `seen`). */
  unchangedFolders: Set<string>;
}

/** Walks one root and diffs each folder as it comes; null when the walk was interrupted. */
async function walkAndDiff(root: RootRow, settings: ScanSettings, scan: ScanContext): Promise<RootWalk | null> {
  const { deps, files, counts } = scan;
  const tally: WalkTally = { live: 0, other: false, wrote: false };
  const unchangedFolders = new Set<string>();
  const digests: [string, string][] = [];
  const flushDigests = () => {
    if (digests.length > 0) files.setFolderDigests(digests.splice(0));
  };
  const ctx: FolderContext = {
    db: deps.db, files, scanId: scan.scanId, rootId: root.id, settleBefore: scan.settleBefore,
    counts, report: scan.report, seen: scan.seen, tally, unchangedFolders,
    storeDigest: (dir, digest) => {
      digests.push([dir, digest]);
      if (digests.length >= DIGEST_BATCH) flushDigests();
    },
    now: () => deps.clock.now(),
    protect: (p) => scan.protectedPaths.add(p),
  };
  const ignore = [...ignorePatterns(root.excludes), ...nestedRootPatterns(root.path, scan.allRootPaths)];
  const { hidden, followSymlinks } = settings;
  const salt = walkSalt({ rootId: root.id, ignore, hidden, followSymlinks });
  const walk = walkFolders({ root: root.path, ignore, hidden, followSymlinks, signal: deps.signal, salt }, deps.env ?? {});
  // Counted while the walker thread reads the first folders; recounted below only if the walk wrote rows.
  const liveBefore = files.countLive(root.id);
  let met = 0;
  for await (const { folder, stats } of walk.folders) {
    met += await processFolder(folder, stats, ctx);
    const paused = deps.onProgress?.({ root: root.path, files: met, counts });
    if (paused) await paused;
  }
  flushDigests(); // each describes a folder already written, whether or not the walk completed
  const result = walk.result();
  for (const p of result.problems) {
    scan.report(p);
    scan.protectedPaths.add(p.path);
  }
  if (!result.complete) return null;
  // Later walks only take rows away from this root (a nested root's reroot), so this holds until its sweep.
  const live = tally.wrote ? files.countLive(root.id) : liveBefore;
  return { root, fullyMet: !tally.other && tally.live === live, unchangedFolders };
}

/** A missing, unreadable or (while it has files) empty root is offline: an unmounted share must not delete. */
async function rootAvailable(root: RootRow, files: FilesCatalog, deps: ScanDeps, counts: ScanCounts): Promise<boolean> {
  const probe = await probeRoot(root.path);
  let reason: string | null = null;
  if (!probe.ok) reason = probe.reason;
  else if (probe.empty && files.countLive(root.id) > 0) reason = 'is empty (an unmounted share?)';
  if (reason === null) return true;
  const offline = files.markRootOffline(root.id);
  counts.offline += offline;
  const moved = probe.ok ? '' : `; if it moved: 'indexer scan NEW' finds its files, or 'indexer roots move ${printablePath(root.path)} NEW'`;
  deps.warn(`indexer: root ${printablePath(root.path)} ${reason}: treated as offline, its ${offline} files are kept${moved}`);
  return false;
}

function sweep(rootId: number, scan: ScanContext): void {
  const { deps, files, scanId, seen, protectedPaths, counts } = scan;
  const unseen = files.liveIds(rootId, (id) => !seen.has(id));
  for (let i = 0; i < unseen.length; i += SWEEP_PAGE) {
    const page = files.describe(unseen.slice(i, i + SWEEP_PAGE));
    const now = deps.clock.now();
    countCommitted(counts, (delta) => deps.db.transaction(() => {
      for (const gone of page) {
        if (isCoveredBy(gone.path, protectedPaths)) continue;
        const twin = gone.identity === null ? undefined : files.addedTwin(gone.identity, scanId, gone.id);
        if (twin) {
          files.absorbMove(gone.id, twin, scanId, now);
          seen.add(gone.id); // it may now live in a root swept after this one
          delta.moved++;
          delta.new--;
        } else {
          files.markDeleted(gone.id, now);
          delta.deleted++;
        }
      }
    })());
  }
}

function noteFor(s: ScanSummary, firstProblem: string | null): string | null {
  const parts: string[] = [];
  if (firstProblem !== null) parts.push(`${s.counts.errors} errors, first: ${firstProblem}`);
  if (s.offlineRoots.length > 0) parts.push(`offline: ${s.offlineRoots.join(', ')}`);
  if (s.outcome === 'interrupted') parts.push('interrupted: nothing deleted');
  return parts.length > 0 ? parts.join('; ') : null;
}
