/**
 * Hostile input and resource limits through the real CLI (issue 13, items 11, 12, 13, 16): absurd --threads, a FIFO
 * given to search --like, lock files naming no possible process, and file names holding terminal control characters.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { tinyModel } from '../clip-helpers.js';
import { sandbox } from './helpers.js';

const jpeg = (r: number, g: number, b: number) =>
  sharp({ create: { width: 64, height: 48, channels: 3, background: { r, g, b } } }).jpeg().toBuffer();

test('--threads (or INDEXER_THREADS) beyond 4 per CPU exits 2 with one line, before any work', async (t) => {
  const box = sandbox();
  t.after(() => box.cleanup());
  fs.mkdirSync(path.join(box.dir, 'photos'));
  const most = Math.min(256, 4 * os.availableParallelism());
  const flag = await box.run(['scan', path.join(box.dir, 'photos'), '--threads', '100000'], { timeoutMs: 20_000 });
  assert.equal(flag.code, 2, flag.stderr);
  assert.match(flag.stderr, new RegExp(`--threads must be at most ${most} \\(4 per CPU, ${os.availableParallelism()} CPUs\\), got 100000\n$`));
  assert.equal(flag.stderr.trim().split('\n').length, 1, flag.stderr);
  assert.equal(flag.stdout, '', 'no phase 1 either');
  assert.equal(fs.existsSync(box.db), false, 'the catalog was never opened');
  const fine = await box.run(['scan', path.join(box.dir, 'photos'), '--threads', String(most)], { timeoutMs: 60_000 });
  assert.equal(fine.code, 0, fine.stderr);
  const envVar = await box.run(['resume'], { env: { INDEXER_THREADS: '100000' }, timeoutMs: 20_000 });
  assert.equal(envVar.code, 2, envVar.stderr);
  assert.match(envVar.stderr, /INDEXER_THREADS must be at most \d+/);
});

test('search --like on a FIFO (or a folder) exits 2 at once instead of hanging', async (t) => {
  const box = sandbox();
  t.after(() => box.cleanup());
  const root = path.join(box.dir, 'photos');
  fs.mkdirSync(root);
  fs.writeFileSync(path.join(root, 'red.jpg'), await jpeg(220, 20, 20));
  const env = { XDG_DATA_HOME: path.join(box.dir, 'xdg') };
  const scan = await box.run(['scan', root, '--model', tinyModel, '--device', 'cpu'], { env });
  assert.equal(scan.code, 0, scan.stderr);
  const fifo = path.join(box.dir, 'pipe.jpg');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const like = await box.run(['search', '--like', fifo], { env, timeoutMs: 20_000 });
  assert.equal(like.signal, null, 'killed by the test timeout: it hung on the FIFO');
  assert.equal(like.code, 2);
  assert.equal(like.stderr, `indexer: --like ${fifo}: not a regular file (a FIFO); give an image file\n`);
  const dir = await box.run(['search', '--like', root], { env, timeoutMs: 20_000 });
  assert.equal(dir.code, 2);
  assert.match(dir.stderr, /not a regular file \(a folder\)/);
});

test('a lock file naming an impossible pid is stale: scan and scan --wait go ahead', async (t) => {
  const box = sandbox();
  t.after(() => box.cleanup());
  const root = path.join(box.dir, 'photos');
  fs.mkdirSync(root);
  fs.writeFileSync(path.join(root, 'a.jpg'), await jpeg(1, 2, 3));
  fs.mkdirSync(path.dirname(box.db), { recursive: true });
  for (const args of [['scan', '--no-extract', root], ['scan', '--wait', '--no-extract']]) {
    fs.writeFileSync(box.db + '.lock', JSON.stringify({ pid: 99999999999 }));
    const r = await box.run(args, { timeoutMs: 20_000 });
    assert.equal(r.signal, null, `${args.join(' ')} hung on the lock`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.existsSync(box.db + '.lock'), false, 'released after the run');
  }
});

test('control characters in file names are escaped in human output (as ls -b), raw only inside JSON strings', async (t) => {
  const box = sandbox();
  t.after(() => box.cleanup());
  const root = path.join(box.dir, 'photos');
  fs.mkdirSync(root);
  const evil = 'evil\n\x1b]2;owned\x07\x1b[31mred\r.jpg';
  const shown = 'evil\\n\\033]2;owned\\a\\033[31mred\\r.jpg';
  fs.writeFileSync(path.join(root, evil), 'not a jpeg at all');
  fs.writeFileSync(path.join(root, 'fine.jpg'), await jpeg(10, 200, 10));
  const raw = /[\x00-\x09\x0b-\x1f\x7f]/; // any control character but the newlines that end lines

  const scan = await box.run(['scan', root, '--stages', 'thumbnail']);
  assert.equal(scan.code, 0, scan.stderr);
  assert.doesNotMatch(scan.stdout + scan.stderr, raw);
  assert.ok(scan.stderr.includes(path.join(root, shown)), scan.stderr);
  assert.ok(scan.stderr.split('\n').every((l) => !l.startsWith('owned') && !l.startsWith('red')), 'no line forged by the name');

  const failed = await box.run(['status', '--failed']);
  assert.equal(failed.code, 0, failed.stderr);
  assert.doesNotMatch(failed.stdout, raw);
  const lines = failed.stdout.trim().split('\n');
  // The path once, then one line per failed stage.
  assert.equal(lines.length, 2, failed.stdout);
  assert.equal(lines[0], path.join(root, shown), failed.stdout);
  assert.ok(lines[1]!.trim().startsWith('thumbnail:'), failed.stdout);

  const info = await box.run(['info', path.join(root, evil)]);
  assert.equal(info.code, 0, info.stderr);
  assert.doesNotMatch(info.stdout, raw);
  assert.ok(info.stdout.includes(shown));
  const json = await box.run(['--json', 'info', path.join(root, evil)]);
  assert.equal(JSON.parse(json.stdout).file.path, path.join(root, evil), 'JSON keeps the real name');

  const missing = await box.run(['info', path.join(root, 'gone\x1b[2J.jpg')]);
  assert.equal(missing.code, 2);
  assert.ok(missing.stderr.includes('gone\\033[2J.jpg'), missing.stderr);
});
