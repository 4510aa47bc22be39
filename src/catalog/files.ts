import type { Db } from './sql.js';
import { statement } from './statements.js';
import { bothDialects, idList } from './dialect.js';
import type { FileKind, FileState } from '../types.js';

/** An `.xmp` sidecar as last seen. */
export interface SidecarStat {
  path: string;
  size: number;
  mtimeMs: number;
}

/** What the scan compares a walked file with. */
export interface KnownFile {
  id: number;
  rootId: number;
  path: string;
  state: FileState;
  size: number;
  mtimeMs: number;
  ino: string;
  sidecarPath: string | null;
  sidecarSize: number | null;
  sidecarMtimeMs: number | null;
}

/** A file as the walk found it, identity included: what gets written. */
export interface FileRecord {
  rootId: number;
  path: string;
  kind: FileKind;
  ext: string;
  size: number;
  mtimeMs: number;
  ino: string;
  dev: number;
  identity: string;
  sidecar: SidecarStat | null;
}

/** A file that the last complete walk of its root did not meet. */
export interface VanishedFile {
  id: number;
  path: string;
  identity: string | null;
}


const CONTENT = `root_id = @rootId, path = @path, dir = @dir, kind = @kind, ext = @ext, size = @size, mtime_ms = @mtimeMs, ino = @ino,
  dev = @dev, identity = @identity, state = 'present', deleted_at = NULL, last_seen = @now, seen_scan = @scanId,
  sidecar_path = @sidecarPath, sidecar_size = @sidecarSize, sidecar_mtime_ms = @sidecarMtimeMs`;

function params(rec: FileRecord, scanId: number, now: number) {
  const { sidecar, ...rest } = rec;
  return {
    ...rest,
    dir: dirOf(rec.path),
    scanId,
    now,
    sidecarPath: sidecar?.path ?? null,
    sidecarSize: sidecar?.size ?? null,
    sidecarMtimeMs: sidecar?.mtimeMs ?? null,
  };
}

/**
 * A row this scan added with this identity: the new path of a vanished file. One lookup per vanished file, through
 * the (identity, added_scan) index of migration 007, so it reads only this scan's rows of that content, not every
 * file that shares it (exported for the test that checks the plan).
 */
/** The columns of a file row as a record, read back by recordFromRow. */
export const RECORD_COLUMNS = `id, root_id AS "rootId", path, kind, ext, size, mtime_ms AS "mtimeMs", ino, dev, identity,
       sidecar_path AS "sidecarPath", sidecar_size AS "sidecarSize", sidecar_mtime_ms AS "sidecarMtimeMs"`;

/** A row selected with RECORD_COLUMNS as the record the scan's writes take. */
export function recordFromRow(r: any): (FileRecord & { id: number }) | undefined {
  if (!r) return undefined;
  const { sidecarPath, sidecarSize, sidecarMtimeMs, ...rest } = r;
  return { ...rest, sidecar: sidecarPath === null ? null : { path: sidecarPath, size: sidecarSize, mtimeMs: sidecarMtimeMs } };
}

export const ADDED_TWIN_SQL = `SELECT ${RECORD_COLUMNS}
     FROM files WHERE identity = ? AND added_scan = ? AND state = 'present' AND id != ? ORDER BY id LIMIT 1`;

// One index range per folder: far cheaper than a lookup per path on a rescan where nothing changed.
const IN_DIR = `SELECT path, id, state, size, mtime_ms, ino, sidecar_path, sidecar_size, sidecar_mtime_ms, root_id
  FROM files WHERE dir = ?`;
// Digests (migration 006): its triggers drop a folder's digest whenever one of the folder's rows changes.
const DIGEST_OF = `SELECT digest FROM folder_digests WHERE dir = ?`;
const SET_DIGEST = `INSERT INTO folder_digests (dir, digest) VALUES (?, ?)
  ON CONFLICT (dir) DO UPDATE SET digest = excluded.digest`;
// Covered by the files_dir index: reads ids only.
const IDS_IN_DIR = `SELECT id FROM files WHERE dir = ?`;

const INSERT = `INSERT INTO files (root_id, path, dir, kind, ext, size, mtime_ms, ino, dev, identity, state, first_seen, last_seen,
    sidecar_path, sidecar_size, sidecar_mtime_ms, seen_scan, added_scan)
  VALUES (@rootId, @path, @dir, @kind, @ext, @size, @mtimeMs, @ino, @dev, @identity, 'present', @now, @now,
    @sidecarPath, @sidecarSize, @sidecarMtimeMs, @scanId, @scanId)
  RETURNING id`;
const UPDATE_CONTENT = `UPDATE files SET ${CONTENT} WHERE id = @id`;
const BACK_ONLINE = bothDialects(
  (d) => `UPDATE files SET seen_scan = ?, last_seen = ?, state = 'present' WHERE id IN ${idList(d, '?')}`,
);
const SET_SIDECAR = `UPDATE files SET sidecar_path = ?, sidecar_size = ?, sidecar_mtime_ms = ? WHERE id = ?`;
const REROOT = `UPDATE files SET root_id = ? WHERE id = ?`;

const ROOT_OFFLINE = `UPDATE files SET state = 'offline' WHERE root_id = ? AND state = 'present'`;
const COUNT_OFFLINE = `SELECT count(*) FROM files WHERE root_id = ? AND state = 'offline'`;
const COUNT_LIVE = `SELECT count(*) FROM files WHERE root_id = ? AND state != 'deleted'`;
// Covered by the (root_id, state) index: reads ids only.
const LIVE_IDS = `SELECT id FROM files WHERE root_id = ? AND state IN ('present', 'offline')`;
const BY_IDS = bothDialects((d) => `SELECT id, path, identity FROM files WHERE id IN ${idList(d, '?')}`);
const REMOVE = `DELETE FROM files WHERE id = ?`;
const MARK_DELETED = `UPDATE files SET state = 'deleted', deleted_at = ? WHERE id = ? AND state != 'deleted'`;

/** File rows and their transitions, for the scan. Statements are prepared once per connection (statements.ts). */
export function filesCatalog(db: Db) {
  return { ...folderReads(db), ...rowWrites(db), ...rootSweep(db) };
}

/** What the diff of one folder reads: its rows and its digest. */
function folderReads(db: Db) {
  return {
    /** Known rows of one folder (any state), by path. */
    inFolder(dir: string): FolderRows {
      const rows = new Map<string, RawRow>();
      // Raw rows: no per-row key objects, which is most of the cost of reading 100k+ rows.
      for (const r of statement(db, IN_DIR).raw().all(dir) as RawRow[]) rows.set(r[0], r);
      return folderRows(rows);
    },
    /** The digest stored when this folder's rows last matched the disk, if none of them changed since. */
    folderDigest(dir: string): string | undefined {
      return statement(db, DIGEST_OF).pluck().get(dir) as string | undefined;
    },
    /**
     * [dir, digest] pairs, in one transaction. Call only once each folder's rows are written and match the listing
     * its digest hashes.
     */
    setFolderDigests(digests: readonly (readonly [string, string])[]): void {
      const setDigest = statement(db, SET_DIGEST);
      db.transaction(() => {
        for (const [dir, digest] of digests) setDigest.run(dir, digest);
      })();
    },
    /** Ids of every row in this folder. */
    idsInFolder(dir: string): number[] {
      return statement(db, IDS_IN_DIR).pluck().all(dir) as number[];
    },
  };
}

/** What the diff writes for one file it met: a new row, new content, a sidecar, a root, back online. */
function rowWrites(db: Db) {
  return {
    /** A new file; returns its id. */
    insert(rec: FileRecord, scanId: number, now: number): number {
      return statement(db, INSERT).pluck().get(params(rec, scanId, now)) as number;
    },
    /** New content (or a deleted file back at its path): every stat field, identity and sidecar. */
    updateContent(id: number, rec: FileRecord, scanId: number, now: number): void {
      statement(db, UPDATE_CONTENT).run({ ...params(rec, scanId, now), id });
    },
    /** Offline files met again, unchanged, now that their root is back. */
    markBackOnline(ids: readonly number[], scanId: number, now: number): void {
      if (ids.length > 0) statement(db, BACK_ONLINE).run(scanId, now, JSON.stringify(ids));
    },
    /** Only the sidecar changed: the engine re-runs just the XMP stage from this. */
    updateSidecar(id: number, s: SidecarStat | null): void {
      statement(db, SET_SIDECAR).run(s?.path ?? null, s?.size ?? null, s?.mtimeMs ?? null, id);
    },
    /** A new root was added inside an older one: its files now belong to the inner (deepest) root. */
    reroot(id: number, rootId: number): void {
      statement(db, REROOT).run(rootId, id);
    },
  };
}

/** A root as a whole, and the sweep after a complete walk: offline, unseen files, moves, soft deletes. */
function rootSweep(db: Db) {
  return {
    /** The root is unavailable: its present files go offline (never deleted). Returns the offline count. */
    markRootOffline(rootId: number): number {
      statement(db, ROOT_OFFLINE).run(rootId);
      return statement(db, COUNT_OFFLINE).pluck().get(rootId) as number;
    },
    /** Present and offline files of a root. */
    countLive(rootId: number): number {
      return statement(db, COUNT_LIVE).pluck().get(rootId) as number;
    },
    /** Ids of the root's present and offline files; `keep` picks which to return (the unseen ones). */
    liveIds(rootId: number, keep: (id: number) => boolean): number[] {
      const out: number[] = [];
      for (const id of statement(db, LIVE_IDS).pluck().iterate(rootId) as IterableIterator<number>) if (keep(id)) out.push(id);
      return out;
    },
    /** Path and identity of these ids. */
    describe(ids: readonly number[]): VanishedFile[] {
      return statement(db, BY_IDS).all(JSON.stringify(ids)) as VanishedFile[];
    },
    /** A row added by this scan with the same identity: the new path of a moved file. */
    addedTwin(identity: string, scanId: number, notId: number): (FileRecord & { id: number }) | undefined {
      return recordFromRow(statement(db, ADDED_TWIN_SQL).get(identity, scanId, notId));
    },
    /**
     * A move: the old row takes the new path and stat, keeping its id (and everything derived from it);
     * the row the walk just added for the new path goes away.
     */
    absorbMove(keepId: number, added: FileRecord & { id: number }, scanId: number, now: number): void {
      statement(db, REMOVE).run(added.id);
      const { id: _addedId, ...rec } = added;
      statement(db, UPDATE_CONTENT).run({ ...params(rec, scanId, now), id: keepId });
    },
    /** Soft delete, after a complete walk only. */
    markDeleted(id: number, now: number): void {
      statement(db, MARK_DELETED).run(now, id);
    },
  };
}

export type FilesCatalog = ReturnType<typeof filesCatalog>;

/** A row as inDir reads it: path, id, state, size, mtime_ms, ino, sidecar_path, sidecar_size, sidecar_mtime_ms, root_id. */
type RawRow = [string, number, FileState, number, number, string, string | null, number | null, number | null, number];

/** One folder's rows. Kept raw: on a rescan nearly every file takes `unchangedId`, which builds no object. */
export interface FolderRows {
  /** The row at this path, if any. */
  get(path: string): KnownFile | null;
  /**
   * The id of the row at `path` when nothing about it needs writing: present, in `rootId`, with this size, mtime and
   * inode, and this sidecar. Null otherwise (the caller then diffs it in full).
   */
  unchangedId(path: string, rootId: number, size: number, mtimeMs: number, ino: string, sidecar: SidecarStat | null): number | null;
  /** Rows that are not deleted (present or offline, any root). */
  liveCount(): number;
}

function folderRows(rows: Map<string, RawRow>): FolderRows {
  return {
    get(path) {
      const r = rows.get(path);
      if (r === undefined) return null;
      return {
        path: r[0], id: r[1], state: r[2], size: r[3], mtimeMs: r[4], ino: r[5],
        sidecarPath: r[6], sidecarSize: r[7], sidecarMtimeMs: r[8], rootId: r[9],
      };
    },
    unchangedId(path, rootId, size, mtimeMs, ino, sidecar) {
      const r = rows.get(path);
      if (r === undefined || r[2] !== 'present' || r[9] !== rootId || r[3] !== size || r[4] !== mtimeMs || r[5] !== ino) return null;
      const sameSidecar = sidecar === null ? r[6] === null : r[6] === sidecar.path && r[7] === sidecar.size && r[8] === sidecar.mtimeMs;
      return sameSidecar ? r[1] : null;
    },
    liveCount() {
      let n = 0;
      for (const r of rows.values()) if (r[2] !== 'deleted') n++;
      return n;
    },
  };
}

function dirOf(file: string): string {
  const slash = file.lastIndexOf('/');
  return slash <= 0 ? '/' : file.slice(0, slash);
}
