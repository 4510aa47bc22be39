/** The test suite's own hygiene: temp folders (and ONNX Runtime's per-process log files) go when a test file exits. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { testTempRoot } from '../temp.js';
import { repoRoot } from './helpers.js';

test('temp folders made by a test process, and by the children it starts, are removed when it exits', () => {
  const script = `
    import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path'; import { spawnSync } from 'node:child_process';
    const { testTempRoot } = await import(${JSON.stringify(path.join(repoRoot, 'dist/test/temp.js'))});
    const mine = fs.mkdtempSync(path.join(os.tmpdir(), 'x-'));
    fs.mkdirSync(path.join(mine, 'locked')); fs.chmodSync(path.join(mine, 'locked'), 0);
    const child = spawnSync(process.execPath, ['-e', "require('fs').mkdtempSync(require('os').tmpdir() + '/child-')"]);
    process.stdout.write(JSON.stringify({ root: testTempRoot, mine, child: child.status, inside: fs.readdirSync(testTempRoot).length }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.ok(out.mine.startsWith(out.root + path.sep), 'os.tmpdir() points into the per-process folder');
  assert.equal(out.child, 0);
  assert.equal(out.inside, 2, "the child's folder went there too");
  assert.equal(fs.existsSync(out.root), false, 'removed at exit, unreadable folders included');
  assert.ok(fs.existsSync(testTempRoot), 'this process has its own');
});
