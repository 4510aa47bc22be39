/** Catalog SQL's `@name` and `?` parameters become PostgreSQL's `$n`, never inside literals, identifiers or comments. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bindValues, inlineParams, rewriteParams } from '../../src/catalog/pg/params.js';

describe('rewriteParams', () => {
  it('numbers @name parameters in order of first use, one $n per name', () => {
    const r = rewriteParams('UPDATE tasks SET state = @state WHERE id = @id AND state <> @state');
    assert.equal(r.text, 'UPDATE tasks SET state = $1 WHERE id = $2 AND state <> $1');
    assert.deepEqual(r.params, ['state', 'id']);
    assert.equal(r.named, true);
  });

  it('numbers ? parameters positionally', () => {
    const r = rewriteParams('SELECT * FROM files WHERE size > ? AND path LIKE ?');
    assert.equal(r.text, 'SELECT * FROM files WHERE size > $1 AND path LIKE $2');
    assert.deepEqual(r.params, [0, 1]);
  });

  it('leaves quoted literals, quoted identifiers, comments and dollar-quoted bodies alone', () => {
    const sql = `SELECT 'it''s @x?', "col@y?", $$ @z ? $$, $f$ ? $f$ -- what @now?
      , /* outer /* nested @c ? */ still ? */ @real, ?`;
    const r = rewriteParams(sql.replace(', ?', ''));
    assert.equal(r.text, sql.replace(', ?', '').replace('@real', '$1'));
    assert.deepEqual(r.params, ['real']);
  });

  it('leaves operators that look like parameters (jsonb @> and ?|, an email in a literal) alone', () => {
    const r = rewriteParams(`SELECT a @> b, c ?| d, x@y FROM t WHERE e = 'me@host'`);
    assert.equal(r.text, `SELECT a @> b, c ?| d, x@y FROM t WHERE e = 'me@host'`);
    assert.deepEqual(r.params, []);
  });

  it('refuses SQL mixing both styles', () => {
    assert.throws(() => rewriteParams('SELECT @a, ?'), /mixes @name and \?/);
  });
});

describe('bindValues', () => {
  it('takes named values from the object argument and positional ones in order (arrays spread)', () => {
    assert.deepEqual(bindValues(rewriteParams('SELECT @b, @a, @b'), [{ a: 1, b: 'x' }]), ['x', 1]);
    assert.deepEqual(bindValues(rewriteParams('SELECT ?, ?, ?'), [1, [2, 3]]), [1, 2, 3]);
  });

  it('turns booleans into 1/0 and undefined into null, as the SQLite catalog stores them', () => {
    assert.deepEqual(bindValues(rewriteParams('SELECT ?, ?, ?'), [true, false, undefined]), [1, 0, null]);
  });

  it('says which named parameter is missing, and when positional counts differ', () => {
    assert.throws(() => bindValues(rewriteParams('SELECT @a, @b'), [{ a: 1 }]), /Missing named parameter "b"/);
    assert.throws(() => bindValues(rewriteParams('SELECT ?, ?'), [1]), /Too few parameter values/);
    assert.throws(() => bindValues(rewriteParams('SELECT ?'), [1, 2]), /Too many parameter values/);
  });
});

describe('inlineParams', () => {
  it('puts values in as literals: quotes doubled, backslashes in E-strings, negatives in parentheses, NULL', () => {
    assert.equal(
      inlineParams(`SELECT a FROM t WHERE b = ? AND c -? > 0 AND d = ? AND e IS ? AND f = '?'`, [`it's`, -1, 'a\\b', null]),
      `SELECT a FROM t WHERE b = 'it''s' AND c -(-1) > 0 AND d = E'a\\\\b' AND e IS NULL AND f = '?'`,
    );
    assert.equal(inlineParams(`SELECT @m, @n, @m`, [{ m: 'x', n: 2.5 }]), `SELECT 'x', 2.5, 'x'`);
  });

  it('refuses what it cannot write as a literal', () => {
    assert.throws(() => inlineParams('SELECT ?', ['a\u0000b']), /NUL/);
    assert.throws(() => inlineParams('SELECT ?', [Number.NaN]), /cannot inline/);
    assert.throws(() => inlineParams('SELECT ?', [Buffer.from('x')]), /cannot inline/);
  });
});
