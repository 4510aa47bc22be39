import type { Db } from '../catalog/open.js';
import type { FileRecord, FilesCatalog, FolderRows, KnownFile, SidecarStat } from '../catalog/files.js';
import type { ScanCounts } from '../catalog/scans.js';
import type { FileKind } from '../types.js';
import { decideFile, type FileDecision } from './diff.js';
import { fileIdentity } from './identity.js';
import { extensionOf, matchSidecars, mediaKind } from './media.js';
import { describeProblem, type ScanProblem } from './problems.js';
import type { SeenIds, WalkTally } from './seen.js';
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
  followSymlinks: boolean;
  counts: ScanCounts;
  /** Rows the walk met (or must spare): the sweep leaves them alone. */
  seen: SeenIds;
  /** This root's marks, so the sweep can tell when every live row was met. */
  tally: WalkTally;
  /** Names a per-path problem (deduplicated and counted by the caller); returns nothing. */
  report(problem: ScanProblem): void;
  /** Paths the sweep must not delete this time (unreadable, bad names). */
  protect(path: string): void;
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
  sidecarNames: string[];
  /** media names (group.media order), then sidecar names (sidecarNames order): what gets stat()ed. */
  names: string[];
  /** The same as absolute paths. */
  paths: string[];
}

export function planFolder(group: FolderGroup): FolderJob {
  const sidecarOf = matchSidecars(group.media, group.sidecars);
  // Every sidecar name is stat()ed (there are few): the walker thread can then stat a folder without matching.
  const sidecarNames = group.sidecars;
  const join = (n: string) => (group.dir === '/' ? `/${n}` : `${group.dir}/${n}`);
  const names = [...group.media, ...sidecarNames];
  return { group, sidecarOf, sidecarNames, names, paths: names.map(join) };
}

/** Diffs one folder's media against the catalog and writes the outcome, a slice per transaction. */
export async function processFolder(job: FolderJob, stats: StatBatch, ctx: FolderContext): Promise<number> {
  const { group } = job;
  const sidecarStats = new Map<string, SidecarStat>();
  job.sidecarNames.forEach((name, i) => {
    const index = group.media.length + i;
    const st = stats.get(index);
    // A sidecar that vanished or cannot be read is treated as absent; the image itself is what gets counted.
    if (st.ok && st.isFile) sidecarStats.set(name, { path: job.paths[index]!, size: st.size, mtimeMs: st.mtimeMs });
  });
  const known = ctx.files.inFolder(group.dir);
  for (let i = 0; i < group.media.length; i += SLICE) {
    await processSlice(job, i, Math.min(i + SLICE, group.media.length), stats, known, sidecarStats, ctx);
  }
  return group.media.length;
}

async function processSlice(
  job: FolderJob,
  from: number,
  to: number,
  stats: StatBatch,
  known: FolderRows,
  sidecarStats: Map<string, SidecarStat>,
  ctx: FolderContext,
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
      continue;
    }
    const st = stats.get(i);
    const row = known.get(path);
    if (!st.ok) {
      ctx.report(describeProblem('file', path, { code: st.code }));
      if (st.code !== 'ENOENT') keep(row, path, ctx);
      continue;
    }
    if (!st.isFile) continue;
    const observed = { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, sidecar };
    const decision = decideFile(observed, row, settleBefore);
    if (decision.action === 'unchanged') {
      // Unchanged content, but back online, in another root (a nested root was added) or with a changed sidecar.
      if (ctx.seen.add(row!.id)) ctx.tally.live++;
      ctx.counts.unchanged++;
      if (decision.wasOffline) back.push(row!.id);
      if (!decision.sidecarChanged && row!.rootId === ctx.rootId) continue;
    } else if (decision.action === 'settling') {
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
  const now = ctx.now();
  ctx.db.transaction(() => {
    for (const w of walked) {
      const { decision, known: row } = w;
      if (decision.action === 'unchanged') {
        if (row!.rootId !== ctx.rootId) ctx.files.reroot(row!.id, ctx.rootId);
        if (decision.sidecarChanged) {
          ctx.files.updateSidecar(row!.id, w.sidecar);
          ctx.counts.sidecars++;
        }
      } else if (w.identity === undefined) {
        keep(row, w.path, ctx); // hashing failed: already reported
      } else {
        const rec = toRecord(w, ctx.rootId, w.identity);
        if (decision.action === 'new') {
          if (ctx.seen.add(ctx.files.insert(rec, ctx.scanId, now))) ctx.tally.live++;
        } else {
          ctx.files.updateContent(row!.id, rec, ctx.scanId, now);
          if (ctx.seen.add(row!.id)) ctx.tally.live++;
        }
        if (decision.action === 'modified') ctx.counts.modified++;
        else ctx.counts.new++;
      }
    }
    ctx.files.markBackOnline(back, ctx.scanId, now);
  })();
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
