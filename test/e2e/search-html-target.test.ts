/** `search --html FILE`: a folder, or a folder that does not exist, is bad input (exit 2) found before any search. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { makeTree, sandbox } from './helpers.js';

test('search --html given a folder or a missing folder exits 2 with one line and writes nothing', async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const root = path.join(sb.dir, 'lib');
  makeTree(root, { 'a.jpg': 'a' });
  assert.equal((await sb.run(['scan', '--no-extract', root])).code, 0);
  const folder = path.join(sb.dir, 'sheets');
  fs.mkdirSync(folder);
  const inFolder = await sb.run(['search', 'a dog', '--html', folder]);
  assert.equal(inFolder.code, 2, inFolder.stderr);
  assert.equal(inFolder.stderr, `indexer: --html ${folder} is a folder: give a file name, e.g. ${path.join(folder, 'search.html')}\n`);
  assert.deepEqual(fs.readdirSync(folder), []);
  assert.ok(!fs.readdirSync(sb.dir).some((n) => n.endsWith('.tmp')), 'no temp file left beside it');

  const missing = path.join(sb.dir, 'no', 'such', 'x.html');
  const res = await sb.run(['search', 'a dog', '--html', missing]);
  assert.equal(res.code, 2, res.stderr);
  assert.equal(res.stderr, `indexer: --html ${missing}: the folder ${path.dirname(missing)} does not exist\n`);
  assert.equal(fs.existsSync(path.join(sb.dir, 'no')), false, 'no folders created');
});
