/**
 * Copies one catalog into another, empty one of the same schema version, on either backend in either direction
 * (`indexer migrate`): SQLite -> PostgreSQL for a library that outgrew one machine, and back.
 *
 * - Every table the source's schema holds (schema-info.ts), parents first, rows in primary-key order, read in
 *   keyset batches and written as multi-row INSERTs, so a million-file catalog never sits in memory and a remote
 *   server sees few round trips.
 * - The whole write is one transaction on the target: a copy that fails or is killed leaves the target empty.
 *   The source is read in one transaction too (a snapshot), so the copy is of one moment of the source.
 * - Ids are copied as they are (files, tasks, runs...; other tables point at them). On PostgreSQL the identity
 *   sequences then move past the highest id, so the next insert does not collide, and each table is analyzed.
 * - Triggers are off while rows go in: a copied row is already the result of every trigger that ever fired on the
 *   source. Left on, inserting embeddings would bump clip_models.generation (search's cache key) once per row, and
 *   inserting files would drop the folder digests the scan relies on.
 */
import type { Db } from './sql.js';
import { catalogTables, quoteIdent, type TableInfo } from './schema-info.js';
import { catalogSchemaVersion } from './maintenance.js';

/** Rows one INSERT carries at most. */
const ROWS_PER_INSERT = 500;
/** Bound parameters one statement carries at most (SQLite allows 32766, PostgreSQL 65535). */
const MAX_PARAMS = 16_000;

export interface TableCount {
  table: string;
  rows: number;
}

export interface CopyReport {
  /** Rows per table, in copy order; equal on both sides (checked before the commit). */
  tables: TableCount[];
  /** Tasks that were running in the source, copied as pending. */
  handedBack: number;
}

export interface CopyOptions {
  /** ms since epoch: the hand-back's updated_at. */
  now: number;
  /** Told after each table is copied (progress for big catalogs). */
  onTable?: (count: TableCount) => void;
}

/** Thrown when the target cannot take the copy; the caller turns it into its one-line refusal. */
export class CopyRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CopyRefused';
  }
}

/** The first of these tables of `db` holding a row, or null when they are all empty. */
function firstNonEmptyTable(db: Db, tables: readonly { name: string }[]): string | null {
  for (const t of tables) {
    if (db.prepare(`SELECT 1 FROM ${quoteIdent(t.name)} LIMIT 1`).get() !== undefined) return t.name;
  }
  return null;
}

/**
 * Copies every row of `source` into `target` (see the module comment). Refuses (CopyRefused) a target of another
 * schema version, one whose tables differ from the source's, or one that holds rows; throws if a count differs
 * after the copy, which rolls the copy back.
 */
export function copyCatalog(source: Db, target: Db, opts: CopyOptions): CopyReport {
  const from = catalogSchemaVersion(source);
  const to = catalogSchemaVersion(target);
  if (from !== to) throw new CopyRefused(`the source has schema version ${from} and the target ${to}`);
  // The source's order and columns; the target's own identity columns (each side reads its own schema).
  const tables = sameTables(catalogTables(source), catalogTables(target));
  const copyAll = (): CopyReport => {
    const nonEmpty = firstNonEmptyTable(target, tables);
    if (nonEmpty !== null) throw new CopyRefused(`the target is not empty (table ${nonEmpty} has rows)`);
    const counts = withoutTriggers(target, tables, () => tables.map((t) => copyTableCounted(source, target, t, opts)));
    const handedBack = handBackRunningTasks(target, opts.now);
    if (target.dialect === 'postgres') {
      for (const t of tables) resetIdentities(target, t);
      // Fresh statistics: a planner that still sees the empty tables picks scans that cost O(backlog) per claim.
      for (const t of tables) target.exec(`ANALYZE ${quoteIdent(t.name)}`);
    }
    return { tables: counts, handedBack };
  };
  return inSnapshot(source, () => (target.dialect === 'sqlite' ? target.transaction(copyAll).immediate() : target.transaction(copyAll)()));
}

/** The source's tables, each with the target's identity columns; refuses a target whose tables differ. */
function sameTables(source: TableInfo[], target: TableInfo[]): TableInfo[] {
  const shape = (t: TableInfo) => `${t.name}(${t.columns.join(',')})`;
  const byName = new Map(target.map((t) => [t.name, t]));
  return source.map((t) => {
    const there = byName.get(t.name);
    if (there === undefined) throw new CopyRefused(`the target has no table ${t.name}`);
    if (shape(there) !== shape(t)) throw new CopyRefused(`table ${t.name} has other columns in the target: ${shape(there)} vs ${shape(t)}`);
    return { ...t, identity: there.identity };
  });
}

/** Runs `read` in one read transaction of the source: every table is read as of the same moment. */
function inSnapshot<T>(source: Db, read: () => T): T {
  return source.transaction(() => {
    // PostgreSQL's default (read committed) sees each statement's own moment; workers may be writing meanwhile.
    if (source.dialect === 'postgres') source.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    return read();
  })();
}

function copyTableCounted(source: Db, target: Db, t: TableInfo, opts: CopyOptions): TableCount {
  const copied = copyTable(source, target, t);
  const count = (db: Db) => Number(db.prepare(`SELECT count(*) FROM ${quoteIdent(t.name)}`).pluck().get());
  const inSource = count(source);
  const inTarget = count(target);
  if (copied !== inSource || inTarget !== inSource) {
    throw new Error(`copy of table ${t.name} does not add up: ${inSource} rows in the source, ${copied} copied, ${inTarget} in the target`);
  }
  const result = { table: t.name, rows: inTarget };
  opts.onTable?.(result);
  return result;
}

function copyTable(source: Db, target: Db, t: TableInfo): number {
  const perInsert = Math.max(1, Math.min(ROWS_PER_INSERT, Math.floor(MAX_PARAMS / t.columns.length)));
  const inserts = new Map<number, ReturnType<Db['prepare']>>();
  const insert = (rows: unknown[][]) => {
    let stmt = inserts.get(rows.length);
    if (!stmt) inserts.set(rows.length, (stmt = target.prepare(insertSql(target, t, rows.length))));
    stmt.run(...rows.flat());
  };
  let copied = 0;
  for (const rows of sourceBatches(source, t, perInsert)) {
    insert(rows);
    copied += rows.length;
  }
  return copied;
}

function insertSql(target: Db, t: TableInfo, rows: number): string {
  const one = `(${t.columns.map(() => '?').join(', ')})`;
  // An identity column declared GENERATED ALWAYS takes a given value only when told to; BY DEFAULT takes it anyway.
  const overriding = target.dialect === 'postgres' && t.identity.length > 0 ? ' OVERRIDING SYSTEM VALUE' : '';
  return `INSERT INTO ${quoteIdent(t.name)} (${t.columns.map(quoteIdent).join(', ')})${overriding} VALUES ${Array(rows).fill(one).join(', ')}`;
}

/** The table's rows as arrays in column order, `size` at a time: by primary key ranges (keyset), else one scan. */
function* sourceBatches(source: Db, t: TableInfo, size: number): Generator<unknown[][]> {
  const cols = t.columns.map(quoteIdent).join(', ');
  const table = quoteIdent(t.name);
  if (t.key.length === 0) {
    let rows: unknown[][] = [];
    for (const row of source.prepare(`SELECT ${cols} FROM ${table}`).raw().iterate() as Iterable<unknown[]>) {
      rows.push(row);
      if (rows.length < size) continue;
      yield rows;
      rows = [];
    }
    if (rows.length > 0) yield rows;
    return;
  }
  const key = t.key.map(quoteIdent).join(', ');
  const order = `ORDER BY ${key} LIMIT ${size}`;
  const first = source.prepare(`SELECT ${cols} FROM ${table} ${order}`).raw();
  const next = source.prepare(`SELECT ${cols} FROM ${table} WHERE (${key}) > (${t.key.map(() => '?').join(', ')}) ${order}`).raw();
  const keyAt = t.key.map((k) => t.columns.indexOf(k));
  let rows = first.all() as unknown[][];
  while (rows.length > 0) {
    yield rows;
    if (rows.length < size) return;
    const last = rows[rows.length - 1]!;
    rows = next.all(...keyAt.map((i) => last[i])) as unknown[][];
  }
}

/** Runs `fn` with the target's triggers off, inside the caller's transaction (both backends' DDL is transactional). */
function withoutTriggers<T>(target: Db, tables: TableInfo[], fn: () => T): T {
  if (target.dialect === 'postgres') {
    // USER: the table's own triggers, not the ones PostgreSQL uses for foreign keys (those keep checking).
    for (const t of tables) target.exec(`ALTER TABLE ${quoteIdent(t.name)} DISABLE TRIGGER USER`);
    const result = fn();
    for (const t of tables) target.exec(`ALTER TABLE ${quoteIdent(t.name)} ENABLE TRIGGER USER`);
    return result;
  }
  // SQLite cannot switch a trigger off: drop each and create it again from its own text before the commit.
  const triggers = target.prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' ORDER BY name`).all() as { name: string; sql: string }[];
  for (const tr of triggers) target.exec(`DROP TRIGGER ${quoteIdent(tr.name)}`);
  const result = fn();
  for (const tr of triggers) target.exec(tr.sql);
  return result;
}

/**
 * Tasks still running in the source belong to processes that will never commit them into the copy: they go back
 * to pending with their lease cleared and the attempt their claim charged given back, as a run does with the tasks
 * it hands back when interrupted. Their runs, which will never end in the copy, are recorded as crashed.
 */
function handBackRunningTasks(target: Db, now: number): number {
  const handedBack = target
    .prepare(
      `UPDATE tasks SET state = 'pending', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,
         lease_run = NULL, lease_pid = NULL, lease_expires = NULL, updated_at = @now
       WHERE state = 'running'`,
    )
    .run({ now }).changes;
  target
    .prepare(`UPDATE runs SET outcome = 'crashed', note = @note WHERE outcome = 'running'`)
    .run({ note: 'still running in the catalog it was migrated from; its tasks were handed back' });
  return handedBack;
}

/** Moves each identity sequence past the table's highest id (copied ids did not advance it). */
function resetIdentities(target: Db, t: TableInfo): void {
  for (const col of t.identity) {
    target
      .prepare(`SELECT setval(pg_get_serial_sequence(?, ?), (SELECT coalesce(max(${quoteIdent(col)}), 0) + 1 FROM ${quoteIdent(t.name)}), false)`)
      .get(quoteIdent(t.name), col);
  }
}
