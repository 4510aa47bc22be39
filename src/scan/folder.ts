import type { Db } from '../catalog/open.js';
import type { FileRecord, FilesCatalog, FolderRows, KnownFile, SidecarStat } from '../catalog/files.js';
import type { ScanCounts } from '../catalog/scans.js';
import type { FileKind } from '../types.js';
import { countCommitted } from './committed-counts.js';
import { decideFile, type FileDecision } from './diff.js';
import { fileIdentity } from './identity.js';
import { extensionOf, matchSidecars, mediaKind } from './media.js';
import { describeProblem, type ScanProblem } from './problems.js';
import type { SeenIds, WalkTally } from './seen.js';
import type { ListedFolder } from './listed-folder.js';
import type { FolderGroup } from './walk.js';
import type { PathStat, StatBatch } from './stat-batch.js';

/** Files handled per transaction: big enough to amortise the commit, small enough to keep memory flat. */
const SLICE = 1000;
/** Identity hashes in flight (each reads at most 128 KiB). */
const HASH_CONCURRENCY = 8;

export interface FolderContext {
  db: Db;
  files: FilesCatalog;
  scanId: number;
  rootId: number;
  now(): number;
  /** now - settle, or null. */
  settleBefore: number | null;
  counts: ScanCounts;
  /** Rows the walk met (or must spare): the sweep leaves them alone. */
  seen: SeenIds;
  /** This root's marks, so the sweep can tell when every live row was met. */
  tally: WalkTally;
  /** Names a per-path problem (deduplicated and counted by the caller); returns nothing. */
  report(problem: ScanProblem): void;
  /** Paths the sweep must not delete this time (unreadable, bad names). */
  protect(path: string): void;
  /**
   * Folders of this root's walk whose digest matched: their rows were not read, so not marked in `seen` (the sweep
   * marks them if it has to run) but counted in `tally.live`.
   */
  unchangedFolders: Set<string>;
  /** Queues a folder's digest; it is written (in batches) after the folder's rows, never before. */
  storeDigest(dir: string, digest: string): void;
}

/** Whether a folder's rows, once written, match its listing exactly: only then may its digest be stored. */
interface FolderCheck {
  /** No file settling, unreadable, vanished, not a regular file, or failed to hash. */
  clean: boolean;
  /** Listed media whose row was live (present or offline) before this folder was diffed. */
  liveMatched: number;
}

interface Walked {
  path: string;
  kind: FileKind;
  st: Extract<PathStat, { ok: true }>;
  sidecar: SidecarStat | null;
  known: KnownFile | null;
  decision: FileDecision;
  identity?: string;
}

/** A folder ready to be stat()ed: its media names, then its sidecar names. */
export interface FolderJob {
  group: FolderGroup;
  sidecarOf: Map<string, string>;
  /** media names (group.media order), then sidecar names (group.sidecars order): what gets stat()ed. */
  names: string[];
  /** The same as absolute paths. */
  paths: string[];
}

export function planFolder(group: FolderGroup): FolderJob {
  const sidecarOf = matchSidecars(group.media, group.sidecars);
  // Every sidecar name is stat()ed (there are few): the walker thread can then stat a folder without matching.
  const join = (n: string) => (group.dir === '/' ? `/${n}` : `${group.dir}/${n}`);
  const names = [...group.media, ...group.sidecars];
  return { group, sidecarOf, names, paths: names.map(join) };
}

/**
 * Diffs one folder's media against the catalog and writes the outcome, a slice per transaction. A folder whose digest
 * matches the stored one is unchanged as a whole and its rows are not read; a folder diffed in full whose rows end up
 * matching its listing exactly (nothing settling or unreadable, no row left over for a file gone) stores its digest.
 */
export async function processFolder(folder: ListedFolder, stats: StatBatch, ctx: FolderContext): Promise<number> {
  const count = folder.mediaCount;
  if (ctx.files.folderDigest(folder.dir) === stats.digest) {
    // Guarded, though a walk meets each folder once: counted twice, `tally.live` could hide a vanished row.
    if (!ctx.unchangedFolders.has(folder.dir)) {
      ctx.unchangedFolders.add(folder.dir);
      ctx.tally.live += count;
      ctx.counts.unchanged += count;
    }
    return count;
  }
  const job = folder.plan();
  const { group } = job;
  const check: FolderCheck = { clean: true, liveMatched: 0 };
  const sidecarStats = new Map<string, SidecarStat>();
  group.sidecars.forEach((name, i) => {
    const index = count + i;
    const st = stats.get(index);
    // A sidecar that vanished or cannot be read is treated as absent; the image itself is what gets counted.
    if (st.ok && st.isFile) sidecarStats.set(name, { path: job.paths[index]!, size: st.size, mtimeMs: st.mtimeMs });
    else check.clean = false;
  });
  const known = ctx.files.inFolder(group.dir);
  for (let i = 0; i < count; i += SLICE) {
    await processSlice(job, i, Math.min(i + SLICE, count), stats, known, sidecarStats, ctx, check);
  }
  // After the rows are written (a crash in between leaves no digest, never a stale one).
  if (check.clean && check.liveMatched === known.liveCount()) ctx.storeDigest(group.dir, stats.digest);
  return count;
}

async function processSlice(
  job: FolderJob,
  from: number,
  to: number,
  stats: StatBatch,
  known: FolderRows,
  sidecarStats: Map<string, SidecarStat>,
  ctx: FolderContext,
  check: FolderCheck,
): Promise<void> {
  const settleBefore = ctx.settleBefore;
  const walked: Walked[] = [];
  const back: number[] = [];
  for (let i = from; i < to; i++) {
    const path = job.paths[i]!;
    const sidecarName = job.sidecarOf.size === 0 ? undefined : job.sidecarOf.get(job.group.media[i]!);
    const sidecar = sidecarName === undefined ? null : (sidecarStats.get(sidecarName) ?? null);
    // The common case on a rescan, checked without building objects: nothing to write.
    const unchanged = stats.isFile(i)
      ? known.unchangedId(path, ctx.rootId, stats.size(i), stats.mtimeMs(i), stats.ino(i), sidecar)
      : null;
    if (unchanged !== null) {
      if (ctx.seen.add(unchanged)) ctx.tally.live++;
      ctx.counts.unchanged++;
      check.liveMatched++;
      continue;
    }
    const st = stats.get(i);
    const row = known.get(path);
    if (!st.ok) {
      check.clean = false;
      ctx.report(describeProblem('file', path, { code: st.code }));
      if (st.code !== 'ENOENT') keep(row, path, ctx);
      continue;
    }
    if (!st.isFile) {
      check.clean = false;
      continue;
    }
    const observed = { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, sidecar };
    const decision = decideFile(observed, row, settleBefore);
    // Counted now; a write that fails below (hashing) clears `clean` anyway.
    if (row !== null && row.state !== 'deleted') check.liveMatched++;
    if (decision.action === 'unchanged') {
      // Unchanged content, but back online, in another root (a nested root was added) or with a changed sidecar.
      if (ctx.seen.add(row!.id)) ctx.tally.live++;
      ctx.counts.unchanged++;
      if (decision.wasOffline) back.push(row!.id);
      if (!decision.sidecarChanged && row!.rootId === ctx.rootId) continue;
    } else if (decision.action === 'settling') {
      check.clean = false;
      ctx.counts.settling++;
      if (row) keep(row, null, ctx);
      continue;
    }
    walked.push({ path, kind: mediaKind(path)!, st, sidecar, known: row, decision });
  }
  await hashAll(
    walked.filter((w) => w.decision.action !== 'unchanged'),
    ctx,
  );
  if (walked.length === 0 && back.length === 0) return;
  writeSlice(walked, back, ctx, check);
}

/** One transaction for a slice: new and changed rows, re-rooted or sidecar-only updates, files back online. */
function writeSlice(walked: Walked[], back: number[], ctx: FolderContext, check: FolderCheck): void {
  const now = ctx.now();
  ctx.tally.wrote = true;
  countCommitted(ctx.counts, (counts) => ctx.db.transaction(() => {
    for (const w of walked) {
      const { decision, known: row } = w;
      if (decision.action === 'unchanged') {
        if (row!.rootId !== ctx.rootId) ctx.files.reroot(row!.id, ctx.rootId);
        if (decision.sidecarChanged) {
          ctx.files.updateSidecar(row!.id, w.sidecar);
          counts.sidecars++;
        }
      } else if (w.identity === undefined) {
        check.clean = false;
        keep(row, w.path, ctx); // hashing failed: already reported
      } else {
        const rec = toRecord(w, ctx.rootId, w.identity);
        if (decision.action === 'new') {
          if (ctx.seen.add(ctx.files.insert(rec, ctx.scanId, now))) ctx.tally.live++;
        } else {
          ctx.files.updateContent(row!.id, rec, ctx.scanId, now);
          if (ctx.seen.add(row!.id)) ctx.tally.live++;
        }
        if (decision.action === 'modified') counts.modified++;
        else counts.new++;
      }
    }
    ctx.files.markBackOnline(back, ctx.scanId, now);
  })());
}

/**
 * A known file we could not look at this time (or that is still settling) stays as it is and is not swept.
 * `path`: also spare it from move detection (unreadable); null for a settling file.
 */
function keep(row: KnownFile | null, path: string | null, ctx: FolderContext): void {
  if (path !== null) ctx.protect(path);
  if (row) {
    ctx.seen.add(row.id);
    ctx.tally.other = true; // its row may be of another root, or deleted
  }
}

function toRecord(w: Walked, rootId: number, identity: string): FileRecord {
  return {
    rootId,
    path: w.path,
    kind: w.kind,
    ext: extensionOf(w.path),
    size: w.st.size,
    mtimeMs: w.st.mtimeMs,
    ino: w.st.ino,
    dev: w.st.dev,
    identity,
    sidecar: w.sidecar,
  };
}

async function hashAll(items: Walked[], ctx: FolderContext): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const w = items[next++]!;
      try {
        w.identity = await fileIdentity(w.path, w.st.size);
      } catch (err) {
        ctx.report(describeProblem('file', w.path, err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(HASH_CONCURRENCY, items.length) }, worker));
}
