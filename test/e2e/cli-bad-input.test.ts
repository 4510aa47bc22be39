/**
 * Bad input on the command line exits 2 with one line naming the problem (and the fix): an unknown stage, a path the
 * catalog does not know, a catalog path that is a photo, a folder or a device, an empty root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { binPath, canDropPrivileges, lastJson, makeTree, repoRoot, runCli, sandbox, type RunResult } from './helpers.js';

/** Exit 2, nothing on stdout, exactly one line on stderr matching `re`. */
function assertUsage(res: RunResult, re: RegExp): void {
  assert.equal(res.code, 2, res.stderr);
  assert.equal(res.stdout, '');
  const lines = res.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, res.stderr);
  assert.match(lines[0]!, re);
}

test('retry and cancel with an unknown stage or a path the catalog does not know exit 2 with one line', async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const root = path.join(sb.dir, 'lib');
  makeTree(root, { 'a.jpg': 'a', 'sub/b.jpg': 'b' });
  assert.equal((await sb.run(['scan', '--no-extract', root])).code, 0);
  assertUsage(await sb.run(['retry', '--stage', 'bogus']), /^indexer: --stage: unknown stage 'bogus' \(known: .*thumbnail/);
  assertUsage(await sb.run(['cancel', '--stage', 'nope']), /^indexer: --stage: unknown stage 'nope'/);
  assertUsage(await sb.run(['cancel', '/nonexistent']), /^indexer: \/nonexistent: no file of the catalog is at or under this path/);
  assertUsage(await sb.run(['cancel', path.join(root, 'su')]), /no file of the catalog/); // a name prefix is not a folder
});

test('cancel after scan --no-extract cancels the work that phase 2 would have run', async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const root = path.join(sb.dir, 'lib');
  makeTree(root, { 'a.jpg': 'a', 'sub/b.jpg': 'b', 'sub/c.jpg': 'c' });
  assert.equal((await sb.run(['scan', '--no-extract', root])).code, 0);
  const res = await sb.run(['--json', 'cancel', '--stage', 'exif', path.join(root, 'sub')]);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(JSON.parse(res.stdout), { canceled: 2 });
  const resumed = await sb.run(['--json', 'resume', '--stages', 'exif']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const exif = lastJson(resumed.stdout).extract.stages.exif;
  assert.equal(exif.done + exif.failed, 1, 'only a.jpg was left to run');
});

test('retry and cancel on a catalog that does not exist exit 2 and create nothing', async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  assertUsage(await sb.run(['retry']), /^indexer: no catalog at .*: run 'indexer scan ROOT' first/);
  assert.equal(fs.existsSync(path.dirname(sb.db)), false);
});

test('--db naming a photo, a folder or a device: exit 2 naming the problem and the fix; nothing written beside it', async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const root = path.join(sb.dir, 'lib');
  makeTree(root, { 'a.jpg': 'a' });
  const photo = path.join(sb.dir, 'beach.jpg');
  fs.copyFileSync(path.join(repoRoot, 'fixtures', 'photos', 'beach.jpg'), photo);
  const before = fs.readFileSync(photo);
  for (const args of [['scan', root], ['status'], ['resume']]) {
    assertUsage(await runCli(['--db', photo, ...args]), /is not a catalog: it is not a SQLite database .*point --db/);
  }
  assert.deepEqual(fs.readFileSync(photo), before);
  assert.deepEqual(fs.readdirSync(sb.dir).sort(), ['beach.jpg', 'lib']);

  const folder = path.join(sb.dir, 'lib');
  assertUsage(await runCli(['--db', folder, 'scan', root]), new RegExp(`is a folder, not a catalog file: use --db ${folder}/catalog\\.db`));
  assertUsage(await runCli(['--db', folder, 'status']), /is a folder/);

  const journalBefore = fs.existsSync('/dev/null-journal');
  t.after(() => {
    if (!journalBefore) fs.rmSync('/dev/null-journal', { force: true });
  });
  assertUsage(await runCli(['--db', '/dev/null', 'scan', root]), /\/dev\/null is not a regular file/);
  if (!journalBefore) assert.equal(fs.existsSync('/dev/null-journal'), false);
  assert.equal(fs.existsSync('/dev/null.lock'), false);
});

test("scan '' exits 2 instead of indexing the current folder", async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  assertUsage(await sb.run(['scan', ''], { cwd: sb.dir }), /^indexer: root '': an empty name is not a folder/);
});

test('a new catalog in a folder that does not exist is announced on a terminal', { skip: spawnSync('script', ['--version']).status !== 0 && 'needs script(1) for a terminal' }, async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const root = path.join(sb.dir, 'lib');
  makeTree(root, { 'a.jpg': 'a' });
  const db = path.join(sb.dir, 'typo', 'catalog.db');
  const cmd = [process.execPath, binPath, '--db', db, '--cache-dir', sb.cache, 'scan', '--no-extract', root].map((a) => `'${a}'`).join(' ');
  const res = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: { ...process.env, INDEXER_DB: '' } });
  assert.equal(res.status, 0, res.stdout);
  assert.match(res.stdout, new RegExp(`no catalog at ${db} \\(its folder does not exist\\): creating a new one`));
  // Without a terminal (cron, scripts) nothing extra is said.
  const quiet = await runCli(['--db', path.join(sb.dir, 'other', 'c.db'), 'scan', '--no-extract', root]);
  assert.doesNotMatch(quiet.stderr, /creating a new one/);
});

test("a catalog whose folder cannot be written: exit 2 naming the folder, before any work", { skip: !canDropPrivileges() && 'needs root and setpriv' }, async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const root = path.join(sb.dir, 'lib');
  makeTree(root, { 'a.jpg': 'a' });
  spawnSync('chmod', ['-R', 'a+rwX', sb.dir]);
  const folder = path.join(sb.dir, 'locked');
  fs.mkdirSync(folder);
  fs.chmodSync(folder, 0o555);
  const res = await runCli(['--db', path.join(folder, 'catalog.db'), '--cache-dir', sb.cache, 'scan', root], { asNobody: true });
  assertUsage(res, new RegExp(`^indexer: cannot write in the catalog's folder ${folder} \\(EACCES\\)`));
});
