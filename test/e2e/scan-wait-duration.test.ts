import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { collect, lastJson, makeTree, sandbox, writeLock } from './helpers.js';

test('scan --wait: the time spent queued behind another indexer is not reported as scan time', async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const root = path.join(sb.dir, 'r');
  makeTree(root, { 'a.jpg': 'a' });
  const holder = spawn('sleep', ['30']);
  t.after(() => holder.kill());
  writeLock(sb.db, holder.pid!);
  const waiting = sb.start(['--json', 'scan', '--no-extract', '--wait', root]);
  const done = collect(waiting);
  const queuedMs = 3_000;
  await new Promise((r) => setTimeout(r, queuedMs));
  fs.rmSync(sb.db + '.lock');
  holder.kill();
  const res = await done;
  assert.equal(res.code, 0, res.stderr);
  const out = lastJson(res.stdout);
  assert.equal(out.scan.new, 1);
  // A one-file scan takes a fraction of a second; the wait took three.
  assert.ok(out.durationMs < queuedMs - 1_000, `durationMs ${out.durationMs} includes the wait`);
});
