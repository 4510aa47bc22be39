import '../temp.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prewarmWalkerThread, takeWalkerThread } from '../../src/scan/walker-spawn.js';
import { Control, type FromWalker, type WalkStart } from '../../src/scan/walk-protocol.js';

const spawnModule = fileURLToPath(new URL('../../src/scan/walker-spawn.js', import.meta.url));

test('a prewarmed walker thread that no walk takes does not keep the process alive', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-spawn-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  // A script file, not -e: the thread inherits the process's execArgv, and --input-type would stop it from booting.
  const script = path.join(dir, 'prewarm-only.mjs');
  fs.writeFileSync(script, `import { prewarmWalkerThread } from ${JSON.stringify(spawnModule)};\nprewarmWalkerThread();\n`);
  const res = spawnSync(process.execPath, [script], { timeout: 20_000, encoding: 'utf8' });
  assert.equal(res.signal, null, 'killed by the timeout: the idle thread held the process open');
  assert.equal(res.status, 0, res.stderr);
});

test('the prewarmed walker thread is handed to the first walk and walks what it is sent', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-spawn-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const rel of ['a/1.jpg', 'a/1.jpg.xmp', 'b/2.png', 'b/notes.txt']) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), rel);
  }
  prewarmWalkerThread();
  const worker = takeWalkerThread();
  const another = takeWalkerThread();
  await another.terminate();
  assert.notEqual(another, worker, 'the spare is handed out once');
  const control = new Int32Array(new SharedArrayBuffer(Control.length * Int32Array.BYTES_PER_ELEMENT));
  const start: WalkStart = { root: dir, ignore: [], hidden: false, followSymlinks: false, salt: 's', control: control.buffer as SharedArrayBuffer };
  const listed: string[] = [];
  const end = await new Promise<Extract<FromWalker, { type: 'end' }>>((resolve, reject) => {
    worker.on('message', (m: FromWalker) => {
      if (m.type === 'listing') {
        listed.push(`${path.basename(m.dir)}: ${m.media} | ${m.sidecars}`);
        Atomics.add(control, Control.acked, 1);
        Atomics.notify(control, Control.acked);
      } else if (m.type === 'end') resolve(m);
      else if (m.type === 'failed') reject(new Error(m.message));
    });
    worker.postMessage(start);
  });
  await worker.terminate();
  assert.deepEqual({ folders: end.folders, complete: end.complete }, { folders: 2, complete: true });
  assert.deepEqual(listed.sort(), ['a: 1.jpg | 1.jpg.xmp', 'b: 2.png | ']);
});
