/**
 * Failure reasons are the file's own and the same on every run. libvips keeps one error buffer per process, shared by
 * the worker threads: without care, a TIFF's reason was another file's message (naming its path), or "Unknown error".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { repoRoot, sandbox, type Sandbox } from './helpers.js';

const corrupt = path.join(repoRoot, '..', 'shared', 'corpus', 'corrupt');
/** Broken TIFFs and JPEGs from fuzzers and test suites: libvips fails on them with long, multi-line messages. */
const picks: { dir: string; ext: RegExp }[] = [
  { dir: 'fuzz', ext: /\.(tiff?|jpe?g|png)$/i },
  { dir: 'imagetestsuite/tif', ext: /\.tiff?$/i },
];

/** Copies the picked corpus files into `root` (flat, names kept), returning how many. */
function copyPicks(root: string): number {
  fs.mkdirSync(root, { recursive: true });
  let n = 0;
  for (const p of picks) {
    for (const name of fs.readdirSync(path.join(corrupt, p.dir))) {
      if (!p.ext.test(name)) continue;
      fs.copyFileSync(path.join(corrupt, p.dir, name), path.join(root, `${p.dir.replace('/', '-')}-${name}`));
      n++;
    }
  }
  return n;
}

/** (file, stage, state, reason) of every task, paths relative to the root. */
async function runOnce(sb: Sandbox, root: string): Promise<string[]> {
  const res = await sb.run(['--quiet', 'scan', root, '--stages', 'thumbnail', '--threads', '2'], { timeoutMs: 240_000 });
  assert.equal(res.code, 0, res.stderr);
  const db = new Database(sb.db, { readonly: true });
  try {
    const rows = db
      .prepare(`SELECT f.path, t.stage, t.state, ifnull(t.reason, '') AS reason FROM tasks t JOIN files f ON f.id = t.file_id ORDER BY f.path`)
      .all() as { path: string; stage: string; state: string; reason: string }[];
    return rows.map((r) => [path.relative(root, r.path), r.stage, r.state, r.reason.split(root + path.sep).join('')].join(' | '));
  } finally {
    db.close();
  }
}

test('two fresh runs over the same broken files give identical reasons, each naming only its own file', { skip: !fs.existsSync(corrupt) && 'needs ../shared/corpus' }, async (t) => {
  const a = sandbox();
  const b = sandbox();
  t.after(() => (a.cleanup(), b.cleanup()));
  const rootA = path.join(a.dir, 'broken');
  const rootB = path.join(b.dir, 'broken');
  const n = copyPicks(rootA);
  copyPicks(rootB);
  const first = await runOnce(a, rootA);
  const second = await runOnce(b, rootB);
  assert.equal(first.length, n);
  assert.deepEqual(second, first);
  for (const row of first) {
    const [file, , state, reason] = row.split(' | ');
    if (state !== 'failed') continue;
    // The root was cut from reasons above: a path left is another file's (or its own, repeated by libvips).
    const named = reason!.match(/[\w.-]+\.(tiff?|jpe?g|png)\b/gi) ?? [];
    for (const other of named) assert.equal(other, file, `${file}'s reason names ${other}: ${reason}`);
    assert.doesNotMatch(reason!, /Unknown error/, `${file}: ${reason}`);
  }
});
