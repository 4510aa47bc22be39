/**
 * Catalog SQL is written once for both backends with better-sqlite3's parameters: `@name` (bound from an object) or
 * `?` (positional). PostgreSQL numbers its parameters `$1, $2, ...`; this rewrites one form into the other, leaving
 * alone whatever sits in a quoted literal, a quoted identifier, a dollar-quoted body or a comment, and the `?`
 * and `@` operators (`@>`, `?|`) that are not parameters.
 */

/** The rewritten text, and for each `$n` (index n-1) the name it binds or the positional argument's index. */
export interface RewrittenSql {
  text: string;
  params: readonly (string | number)[];
  /** true when the SQL uses `@name` parameters (bound from one object argument). */
  named: boolean;
}

const identStart = /[A-Za-z_]/;
const identPart = /[A-Za-z0-9_]/;

export function rewriteParams(sql: string, placeholder: (n: number) => string = (n) => `$${n}`): RewrittenSql {
  let out = '';
  const params: (string | number)[] = [];
  const byName = new Map<string, number>();
  let positional = 0;
  let named = false;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "'" || c === '"') {
      const end = closingQuote(sql, i, c);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = blockCommentEnd(sql, i);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '$' && isDollarQuoteStart(sql, i)) {
      const tag = sql.slice(i, sql.indexOf('$', i + 1) + 1);
      const close = sql.indexOf(tag, i + tag.length);
      const stop = close < 0 ? n : close + tag.length;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '@' && next !== undefined && identStart.test(next) && !identPart.test(sql[i - 1] ?? ' ')) {
      let j = i + 1;
      while (j < n && identPart.test(sql[j]!)) j++;
      const name = sql.slice(i + 1, j);
      let index = byName.get(name);
      if (index === undefined) {
        params.push(name);
        index = params.length;
        byName.set(name, index);
      }
      named = true;
      out += placeholder(index);
      i = j;
    } else if (c === '?' && next !== '|' && next !== '&' && next !== '?') {
      params.push(positional++);
      out += placeholder(params.length);
      i++;
    } else {
      out += c;
      i++;
    }
  }
  if (named && positional > 0) throw new Error(`SQL mixes @name and ? parameters: ${sql}`);
  return { text: out, params, named };
}

/** Index just past the quote closing the one at `start` ('' and "" inside are escaped quotes). */
function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  for (;;) {
    const j = sql.indexOf(quote, i);
    if (j < 0) return sql.length;
    if (sql[j + 1] === quote) {
      i = j + 2;
      continue;
    }
    return j + 1;
  }
}

/** Block comments nest in PostgreSQL. */
function blockCommentEnd(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return sql.length;
}

/** `$$` or `$tag$`, and not a `$1` parameter or part of an identifier like `a$b`. */
function isDollarQuoteStart(sql: string, i: number): boolean {
  if (identPart.test(sql[i - 1] ?? ' ')) return false;
  const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 66));
  return m !== null;
}

/**
 * The values for `$1..$n` from a statement's arguments as better-sqlite3 takes them: one object for `@name`
 * parameters, else the positional values (an array argument is spread, as better-sqlite3 does).
 */
export function bindValues(sql: RewrittenSql, args: readonly unknown[]): unknown[] {
  if (sql.params.length === 0) return [];
  if (sql.named) {
    const bag = args.find((a) => a !== null && typeof a === 'object' && !Array.isArray(a) && !ArrayBuffer.isView(a)) as
      | Record<string, unknown>
      | undefined;
    if (!bag) throw new TypeError(`named parameters need an object argument: ${sql.text}`);
    return sql.params.map((name) => {
      if (!((name as string) in bag)) throw new RangeError(`Missing named parameter "${name as string}"`);
      return toPg(bag[name as string]);
    });
  }
  const flat = args.flatMap((a) => (Array.isArray(a) ? a : [a]));
  if (flat.length !== sql.params.length) {
    throw new RangeError(`Too ${flat.length < sql.params.length ? 'few' : 'many'} parameter values were provided`);
  }
  return flat.map(toPg);
}

/** SQLite has no booleans (better-sqlite3 stores 1/0 integers) and catalog columns are integers: keep it so. */
function toPg(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/**
 * The SQL with its parameters replaced by literals of their values, for the one statement that takes no parameters
 * and that the catalog runs with values: COPY (query) TO STDOUT (PgDb.copyOut). Numbers, strings, null, booleans
 * (1/0, as toPg) and bigints only: the keys and counters a bulk read filters on.
 */
export function inlineParams(sql: string, args: readonly unknown[]): string {
  const marked = rewriteParams(sql, (n) => `\u0000${n}\u0000`);
  const values = bindValues(marked, args);
  return marked.text.replace(/\u0000(\d+)\u0000/g, (_, n: string) => literal(values[Number(n) - 1]));
}

function literal(value: unknown): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cannot inline ${value} into SQL`);
    // In parentheses: `a -?` with -1 must not become the comment `a --1`.
    return value < 0 || Object.is(value, -0) ? `(${value})` : String(value);
  }
  if (typeof value === 'string') {
    if (value.includes('\u0000')) throw new TypeError('cannot inline a string holding a NUL character into SQL');
    // standard_conforming_strings is on (the default since PostgreSQL 9.1): only quotes need doubling, but E'' with
    // doubled backslashes reads the same whatever it is set to.
    return value.includes('\\') ? `E'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'` : `'${value.replace(/'/g, "''")}'`;
  }
  throw new TypeError(`cannot inline a ${typeof value} into SQL`);
}
