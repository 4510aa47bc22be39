import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { collect, lastJson, makeTree, sandbox, writeLock } from './helpers.js';

test('a live writer makes a second scan exit 75 naming its pid; --wait waits for it', async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const root = path.join(sb.dir, 'r');
  makeTree(root, { 'a.jpg': 'a' });
  const holder = spawn('sleep', ['30']);
  t.after(() => holder.kill());
  writeLock(sb.db, holder.pid!);

  const busy = await sb.run(['scan', '--no-extract', root]);
  assert.equal(busy.code, 75);
  assert.equal(busy.stderr, `indexer: another indexer (pid ${holder.pid}) is using ${sb.db}; add --wait to wait for it\n`);

  const waiting = sb.start(['--json', 'scan', '--no-extract', '--wait', root]);
  const done = collect(waiting);
  // The waiter must still be waiting while the holder lives; then the holder ends and lets go.
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(waiting.exitCode, null, 'still waiting');
  fs.rmSync(sb.db + '.lock');
  holder.kill();
  const res = await done;
  assert.equal(res.code, 0, res.stderr);
  assert.equal(lastJson(res.stdout).scan.new, 1);
  assert.equal(fs.existsSync(sb.db + '.lock'), false);
});

test('a lock left by a dead process is taken over', async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const root = path.join(sb.dir, 'r');
  makeTree(root, { 'a.jpg': 'a' });
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  writeLock(sb.db, Number(dead.stdout.toString()));
  const res = await sb.run(['scan', '--no-extract', root]);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(fs.existsSync(sb.db + '.lock'), false);
});

test('status reads while the writer lock is held', async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const root = path.join(sb.dir, 'r');
  makeTree(root, { 'a.jpg': 'a' });
  await sb.run(['scan', '--no-extract', root]);
  writeLock(sb.db, process.pid);
  const res = await sb.run(['--json', 'status']);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(lastJson(res.stdout).files.total, 1);
});
