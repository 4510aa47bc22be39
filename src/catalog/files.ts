import type { Db } from './open.js';
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
  identity: string | null;
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

const KNOWN = `id, root_id AS rootId, path, state, size, mtime_ms AS mtimeMs, ino, identity, sidecar_path AS sidecarPath,
  sidecar_size AS sidecarSize, sidecar_mtime_ms AS sidecarMtimeMs`;

const CONTENT = `root_id = :rootId, path = :path, kind = :kind, ext = :ext, size = :size, mtime_ms = :mtimeMs, ino = :ino,
  dev = :dev, identity = :identity, state = 'present', deleted_at = NULL, last_seen = :now, seen_scan = :scanId,
  sidecar_path = :sidecarPath, sidecar_size = :sidecarSize, sidecar_mtime_ms = :sidecarMtimeMs`;

function params(rec: FileRecord, scanId: number, now: number) {
  const { sidecar, ...rest } = rec;
  return {
    ...rest,
    scanId,
    now,
    sidecarPath: sidecar?.path ?? null,
    sidecarSize: sidecar?.size ?? null,
    sidecarMtimeMs: sidecar?.mtimeMs ?? null,
  };
}

/** File rows and their transitions, for the scan. Statements are prepared once per connection. */
export function filesCatalog(db: Db) {
  // json_each takes a batch of paths in one call; the lookup uses the unique index on path.
  const lookup = db.prepare(`SELECT ${KNOWN} FROM files WHERE path IN (SELECT value FROM json_each(?))`);
  const insert = db.prepare(
    `INSERT INTO files (root_id, path, kind, ext, size, mtime_ms, ino, dev, identity, state, first_seen, last_seen,
       sidecar_path, sidecar_size, sidecar_mtime_ms, seen_scan, added_scan)
     VALUES (:rootId, :path, :kind, :ext, :size, :mtimeMs, :ino, :dev, :identity, 'present', :now, :now,
       :sidecarPath, :sidecarSize, :sidecarMtimeMs, :scanId, :scanId)`,
  );
  const update = db.prepare(`UPDATE files SET ${CONTENT} WHERE id = :id`);
  const seen = db.prepare(
    `UPDATE files SET seen_scan = ?, last_seen = ?, state = 'present' WHERE id IN (SELECT value FROM json_each(?))`,
  );
  // Settling or unreadable files are kept as they are, but must not look vanished to the sweep.
  const spare = db.prepare(`UPDATE files SET seen_scan = ? WHERE id IN (SELECT value FROM json_each(?))`);
  const sidecar = db.prepare(
    `UPDATE files SET sidecar_path = ?, sidecar_size = ?, sidecar_mtime_ms = ? WHERE id = ?`,
  );
  const offline = db.prepare(`UPDATE files SET state = 'offline' WHERE root_id = ? AND state = 'present'`);
  const countOffline = db.prepare(`SELECT count(*) FROM files WHERE root_id = ? AND state = 'offline'`).pluck();
  const countLive = db.prepare(`SELECT count(*) FROM files WHERE root_id = ? AND state != 'deleted'`).pluck();
  // Walks rowid order (the unary + keeps the planner off the root/state index) so paging is linear overall.
  const vanished = db.prepare(
    `SELECT id, path, identity FROM files
     WHERE id > ? AND +root_id = ? AND +state != 'deleted' AND (seen_scan IS NULL OR seen_scan != ?)
     ORDER BY id LIMIT ?`,
  );
  const addedTwin = db.prepare(
    `SELECT id, root_id AS rootId, path, kind, ext, size, mtime_ms AS mtimeMs, ino, dev, identity,
       sidecar_path AS sidecarPath, sidecar_size AS sidecarSize, sidecar_mtime_ms AS sidecarMtimeMs
     FROM files WHERE identity = ? AND added_scan = ? AND state = 'present' AND id != ? ORDER BY id LIMIT 1`,
  );
  const remove = db.prepare(`DELETE FROM files WHERE id = ?`);
  const markDeleted = db.prepare(
    `UPDATE files SET state = 'deleted', deleted_at = ? WHERE id = ? AND state != 'deleted'`,
  );

  return {
    /** Known rows for these paths (any state), by path. */
    lookup(paths: readonly string[]): Map<string, KnownFile> {
      const out = new Map<string, KnownFile>();
      for (const row of lookup.all(JSON.stringify(paths)) as KnownFile[]) out.set(row.path, row);
      return out;
    },
    /** A new file; returns its id. */
    insert(rec: FileRecord, scanId: number, now: number): number {
      return Number(insert.run(params(rec, scanId, now)).lastInsertRowid);
    },
    /** New content (or a deleted file back at its path): every stat field, identity and sidecar. */
    updateContent(id: number, rec: FileRecord, scanId: number, now: number): void {
      update.run({ ...params(rec, scanId, now), id });
    },
    /** Unchanged files met by the walk (an offline file whose root is back becomes present). */
    markSeen(ids: readonly number[], scanId: number, now: number): void {
      if (ids.length > 0) seen.run(scanId, now, JSON.stringify(ids));
    },
    /** Files left as they are this time (settling, unreadable) but not to be swept. */
    spare(ids: readonly number[], scanId: number): void {
      if (ids.length > 0) spare.run(scanId, JSON.stringify(ids));
    },
    /** Only the sidecar changed: the engine re-runs just the XMP stage from this. */
    updateSidecar(id: number, s: SidecarStat | null): void {
      sidecar.run(s?.path ?? null, s?.size ?? null, s?.mtimeMs ?? null, id);
    },
    /** The root is unavailable: its present files go offline (never deleted). Returns the offline count. */
    markRootOffline(rootId: number): number {
      offline.run(rootId);
      return countOffline.get(rootId) as number;
    },
    /** Present and offline files of a root. */
    countLive(rootId: number): number {
      return countLive.get(rootId) as number;
    },
    /** A page of files of the root not met by scan `scanId`, after id `afterId`. */
    vanished(rootId: number, scanId: number, afterId: number, limit: number): VanishedFile[] {
      return vanished.all(afterId, rootId, scanId, limit) as VanishedFile[];
    },
    /** A row added by this scan with the same identity: the new path of a moved file. */
    addedTwin(identity: string, scanId: number, notId: number): (FileRecord & { id: number }) | undefined {
      const r = addedTwin.get(identity, scanId, notId) as any;
      if (!r) return undefined;
      const { sidecarPath, sidecarSize, sidecarMtimeMs, ...rest } = r;
      return { ...rest, sidecar: sidecarPath === null ? null : { path: sidecarPath, size: sidecarSize, mtimeMs: sidecarMtimeMs } };
    },
    /**
     * A move: the old row takes the new path and stat, keeping its id (and everything derived from it);
     * the row the walk just added for the new path goes away.
     */
    absorbMove(keepId: number, added: FileRecord & { id: number }, scanId: number, now: number): void {
      remove.run(added.id);
      const { id: _addedId, ...rec } = added;
      update.run({ ...params(rec, scanId, now), id: keepId });
    },
    /** Soft delete, after a complete walk only. */
    markDeleted(id: number, now: number): void {
      markDeleted.run(now, id);
    },
  };
}

export type FilesCatalog = ReturnType<typeof filesCatalog>;
