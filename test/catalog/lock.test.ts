import '../temp.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireWriterLock } from '../../src/catalog/lock.js';
import { UserError } from '../../src/errors.js';

function tmpCatalog(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-lock-')), 'sub', 'catalog.db');
}
function plant(catalog: string, pid: number, startTicks: number | null = null): void {
  fs.mkdirSync(path.dirname(catalog), { recursive: true });
  fs.writeFileSync(catalog + '.lock', JSON.stringify({ pid, host: os.hostname(), startTicks }));
}

test('acquire creates the lock with our pid; release removes it; it can be taken again', async () => {
  const catalog = tmpCatalog();
  const release = await acquireWriterLock(catalog, { wait: false });
  assert.equal(JSON.parse(fs.readFileSync(catalog + '.lock', 'utf8')).pid, process.pid);
  release();
  assert.equal(fs.existsSync(catalog + '.lock'), false);
  (await acquireWriterLock(catalog, { wait: false }))();
});

test('a second writer gets UserError 75 with the exact message', async () => {
  const catalog = tmpCatalog();
  const release = await acquireWriterLock(catalog, { wait: false });
  await assert.rejects(acquireWriterLock(catalog, { wait: false }), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.equal(err.code, 75);
    assert.equal(err.message, `another indexer (pid ${process.pid}) is using ${catalog}; add --wait to wait for it`);
    return true;
  });
  release();
});

test('a lock of a dead pid, or of a reused pid with another start time, is taken over', async () => {
  const catalog = tmpCatalog();
  const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
  plant(catalog, dead);
  (await acquireWriterLock(catalog, { wait: false }))();
  plant(catalog, process.pid, -1); // our pid, but not our start time: the holder it names is gone
  (await acquireWriterLock(catalog, { wait: false }))();
});

test('wait polls until the holder lets go; an abort while waiting is exit 130', async () => {
  const catalog = tmpCatalog();
  const holder = spawn('sleep', ['20']);
  try {
    plant(catalog, holder.pid!);
    setTimeout(() => holder.kill(), 300);
    const release = await acquireWriterLock(catalog, { wait: true });
    release();
    const again = spawn('sleep', ['20']);
    plant(catalog, again.pid!);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    await assert.rejects(acquireWriterLock(catalog, { wait: true, signal: ac.signal }), (e: any) => e.code === 130);
    again.kill();
  } finally {
    holder.kill();
  }
});

test('a lock naming no possible process (impossible pid, no pid, not an object) is stale: taken over at once', async () => {
  for (const content of ['{"pid":99999999999}', '{"pid":0}', '{"pid":"12"}', '{"host":"x"}', 'null', '[]', '{"pid":1.5}']) {
    const catalog = tmpCatalog();
    fs.mkdirSync(path.dirname(catalog), { recursive: true });
    fs.writeFileSync(catalog + '.lock', content);
    // A fake clock that never moves: nothing may rest on the half-written-file grace period.
    const release = await acquireWriterLock(catalog, { wait: false, clock: { now: () => 0 } });
    assert.equal(JSON.parse(fs.readFileSync(catalog + '.lock', 'utf8')).pid, process.pid, content);
    release();
  }
});

test('a lock from another host is respected and says so: which host, and which file to delete if nothing runs there', async () => {
  const catalog = tmpCatalog();
  fs.mkdirSync(path.dirname(catalog), { recursive: true });
  fs.writeFileSync(catalog + '.lock', JSON.stringify({ pid: 4242, host: 'nas-box', startTicks: 1 }));
  await assert.rejects(acquireWriterLock(catalog, { wait: false }), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.equal(err.code, 75);
    assert.equal(
      err.message,
      `another indexer (pid 4242 on host nas-box) is using ${catalog}; it cannot be checked from ${os.hostname()}: ` +
        `if no indexer runs on nas-box, delete ${catalog}.lock; add --wait to wait for it`,
    );
    return true;
  });
  const notices: string[] = [];
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 700);
  await assert.rejects(acquireWriterLock(catalog, { wait: true, signal: ac.signal, notice: (m) => notices.push(m) }), (e: any) => e.code === 130);
  assert.equal(notices.length, 1, 'one notice, not one per poll');
  assert.match(notices[0]!, /on host nas-box.*\(waiting for it\)$/);
});
