/** Shell conventions a user expects: --version, several paths for info, script-friendly search, hints that say how. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { collect, repoRoot, runCli, sandbox } from './helpers.js';
import { openCatalog } from '../../src/catalog/open.js';
import { addFile, addRoot } from '../tasks/helpers.js';

function query(db: string, sql: string): number {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare(sql).pluck().get() as number;
  } finally {
    d.close();
  }
}

async function until(ready: () => boolean, timeoutMs = 20_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; !ready(); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() > end) throw new Error('timed out waiting');
  }
}

const version = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version as string;
const tinyModel = path.join(repoRoot, 'fixtures', 'models', 'tiny-clip');

test('--version and -V print the version and exit 0', async () => {
  for (const flag of ['--version', '-V']) {
    const r = await runCli([flag]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${version}\n`);
  }
});

test('info takes several paths; search --paths and -0 print bare paths; status shows the model, the cache, local times and failures once per file', async (t) => {
  const box = sandbox('indexer-conventions-');
  t.after(() => box.cleanup());
  const dir = path.join(box.dir, 'photos');
  fs.mkdirSync(dir);
  for (const f of ['beach.jpg', 'forest.jpg']) fs.cpSync(path.join(repoRoot, 'fixtures', 'photos', f), path.join(dir, f));
  fs.cpSync(path.join(repoRoot, 'fixtures', 'media', 'garbage.jpg'), path.join(dir, 'garbage.jpg'));
  const scan = await box.run(['scan', dir, '--model', tinyModel, '--device', 'cpu', '--threads', '2']);
  assert.equal(scan.code, 0, scan.stderr);

  const [beach, forest, garbage] = ['beach.jpg', 'forest.jpg', 'garbage.jpg'].map((f) => path.join(dir, f));
  const both = await box.run(['info', beach, forest]);
  assert.equal(both.code, 0, both.stderr);
  assert.match(both.stdout, new RegExp(`^${beach}$[\\s\\S]*^${forest}$`, 'm'));
  const asJson = await box.run(['--json', 'info', beach, forest]);
  assert.deepEqual(JSON.parse(asJson.stdout).map((i: any) => i.file.path), [beach, forest]);
  const oneUnknown = await box.run(['info', beach, path.join(dir, 'nope.jpg')]);
  assert.equal(oneUnknown.code, 2);
  assert.match(oneUnknown.stdout, new RegExp(`^${beach}$`, 'm'));
  assert.match(oneUnknown.stderr, /nope\.jpg is not in the catalog/);

  const lines = await box.run(['search', 'green forest', '--paths']);
  assert.equal(lines.code, 0, lines.stderr);
  assert.equal(lines.stdout.split('\n')[0], forest);
  assert.ok(lines.stdout.split('\n').filter(Boolean).every((p) => p.startsWith(dir + '/')), lines.stdout);
  const nul = await box.run(['search', 'green forest', '-0']);
  assert.equal(nul.stdout.split('\0')[0], forest);
  assert.ok(nul.stdout.endsWith('\0') && !nul.stdout.includes('\n'));

  const status = await box.run(['status'], { env: { INDEXER_MODEL: tinyModel, TZ: 'Asia/Kolkata' } });
  assert.match(status.stdout, new RegExp(`^clip model: tiny-clip \\(${tinyModel}\\)$`, 'm'));
  assert.match(status.stdout, new RegExp(`^cache: ${box.cache}, \\d+(\\.\\d)? [KM]B in \\d+ files$`, 'm'));
  assert.match(status.stdout, /last complete scan \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+05:30/);
  const json = JSON.parse((await box.run(['--json', 'status'], { env: { INDEXER_MODEL: tinyModel } })).stdout);
  assert.deepEqual(json.clipModel, { name: 'tiny-clip', dir: tinyModel });
  assert.ok(json.cache.bytes > 0 && json.cache.complete);

  const failed = await box.run(['status', '--failed']);
  const text = failed.stdout.split('\n').filter(Boolean);
  assert.equal(text.filter((l) => l.includes(garbage)).length, 1, failed.stdout);
  assert.equal(text[0], garbage);
  assert.match(text[1]!, /^  exif: not a recognised image.* \(1 attempt\)$/);
  assert.match(text[2]!, /^  thumbnail: not a recognised image.* \(1 attempt\)$/);
});

test("an interrupted or limited run says 'indexer resume' finishes it", async (t) => {
  const box = sandbox('indexer-conventions-');
  t.after(() => box.cleanup());
  const db = openCatalog(box.db);
  const root = addRoot(db, path.join(box.dir, 'photos'));
  for (const n of ['slow-1.jpg', 'a.jpg', 'b.jpg']) addFile(db, root, { path: path.join(box.dir, 'photos', n), kind: 'image' });
  db.close();
  const env = { INDEXER_EXTRA_STAGES: path.join(repoRoot, 'dist/test/fixtures-stages/stages.js'), INDEXER_THREADS: '1', INDEXER_DRAIN_MS: '100' };

  const limited = await box.run(['resume', '--stages', 'trivial', '--max-tasks', '1'], { env });
  assert.equal(limited.code, 0, limited.stderr);
  assert.match(limited.stderr, /2 tasks left pending; 'indexer resume' \(or the next scan\) finishes them/);

  const child = box.start(['resume', '--stages', 'slow'], { env: { ...env, TEST_SLOW_MS: '60000' } });
  const done = collect(child, 30_000);
  // Once a task runs, the run's Ctrl-C handling is in place (a signal before that would just kill node).
  await until(() => query(box.db, `SELECT count(*) FROM tasks WHERE state = 'running'`) > 0);
  child.kill('SIGINT');
  const r = await done;
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /^interrupted: \d+ tasks? left pending; run 'indexer resume' to finish them$/m);
});
