/**
 * The SQL that differs between SQLite and PostgreSQL, in one place. Catalog modules build their statements from these
 * pieces at module level (`bothDialects`), so each statement is still one text per connection, prepared once.
 *
 * PostgreSQL notes that shape the forms below:
 * - it folds unquoted identifiers to lower case, so camelCase column aliases are written `AS "fileId"` everywhere
 *   (SQLite reads the double quotes the same way);
 * - a parameter is typed from its first use, so JSON lists arrive as text and are cast (`::json`) where they open;
 * - `max(a, b)` and `min(a, b)` are aggregates only: the scalar forms are `greatest` and `least`;
 * - `a IS b` compares with NULL on SQLite only: PostgreSQL spells it `IS NOT DISTINCT FROM`.
 */
import type { Db, Dialect } from './sql.js';
import { statement } from './statements.js';

/** One statement's text per dialect. */
export interface DialectSql {
  readonly sqlite: string;
  readonly postgres: string;
}

/** Builds a statement's text once per dialect (at module load). */
export function bothDialects(build: (d: Dialect) => string): DialectSql {
  return { sqlite: build('sqlite'), postgres: build('postgres') };
}

/** The rows of a JSON array of integers bound to `param` (a JSON string), as a subquery: `x IN ${idList(...)}`. */
export function idList(d: Dialect, param: string): string {
  return d === 'sqlite'
    ? `(SELECT value FROM json_each(${param}))`
    : `(SELECT value::bigint FROM json_array_elements_text(${param}::json))`;
}

/** The rows of a JSON array of strings bound to `param`, as a subquery. */
export function textList(d: Dialect, param: string): string {
  return d === 'sqlite'
    ? `(SELECT value FROM json_each(${param}))`
    : `(SELECT value FROM json_array_elements_text(${param}::json))`;
}

/**
 * A JSON array of strings as a table with one column `value`, for a FROM clause (`FROM files f, ${jsonTable(...)}`).
 * `expr` may be a parameter or a column holding JSON text.
 */
export function jsonTable(d: Dialect, expr: string, alias: string): string {
  return d === 'sqlite' ? `json_each(${expr}) ${alias}` : `json_array_elements_text((${expr})::json) AS ${alias}(value)`;
}

/** A PostgreSQL regular expression (ARE) for a JSON array of strings: what our stages write for lists. */
const JSON_WS = '[ \\t\\n\\r]*';
const JSON_STRING = '"([^"\\\\\\x01-\\x1f]|\\\\(["\\\\/bfnrt]|u[0-9a-fA-F]{4}))*"';
const JSON_STRING_ARRAY = `^${JSON_WS}\\[${JSON_WS}(${JSON_STRING}${JSON_WS}(,${JSON_WS}${JSON_STRING}${JSON_WS})*)?\\]${JSON_WS}$`;

/**
 * A text column that should hold a JSON array, or '[]' when it does not (hand-edited or damaged rows read as
 * empty instead of failing the query). PostgreSQL 15 has no json validity test and a cast of bad text fails the whole
 * statement, so there the text must match the grammar of a JSON array of strings (JSON_STRING_ARRAY); anything else,
 * an array of numbers included, reads as empty. (A lone \u surrogate or \u0000 inside a string still fails there.)
 */
export function jsonArrayOrEmpty(d: Dialect, column: string): string {
  return d === 'sqlite'
    ? `CASE WHEN json_valid(${column}) THEN ${column} ELSE '[]' END`
    : `CASE WHEN ${column} ~ '${JSON_STRING_ARRAY}' THEN ${column} ELSE '[]' END`;
}

/** Scalar larger of two values. */
export function greatest(d: Dialect, a: string, b: string): string {
  return d === 'sqlite' ? `max(${a}, ${b})` : `greatest(${a}, ${b})`;
}

/** Scalar smaller of two values. */
export function least(d: Dialect, a: string, b: string): string {
  return d === 'sqlite' ? `min(${a}, ${b})` : `least(${a}, ${b})`;
}

/** Equality that holds for two NULLs too. */
export function same(d: Dialect, a: string, b: string): string {
  return d === 'sqlite' ? `${a} IS ${b}` : `${a} IS NOT DISTINCT FROM ${b}`;
}

const TABLE_EXISTS = bothDialects((d) =>
  d === 'sqlite'
    ? `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`
    : `SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?`,
);

const COLUMN_EXISTS = bothDialects((d) =>
  d === 'sqlite'
    ? `SELECT 1 FROM pragma_table_info(?) WHERE name = ?`
    : `SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?`,
);

/** Whether a table exists (a read-only reader of a catalog from before the migration that made it). */
export function tableExists(db: Db, table: string): boolean {
  return statement(db, TABLE_EXISTS).get(table) !== undefined;
}

/** Whether a table has a column (a read-only reader of a catalog from before the migration that added it). */
export function columnExists(db: Db, table: string, column: string): boolean {
  return statement(db, COLUMN_EXISTS).get(table, column) !== undefined;
}
