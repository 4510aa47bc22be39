/** The child-process runner: no shell, a time limit that kills, a kill on abort, and a missing tool named. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkTools, runTool, toolMessage } from '../../../src/extract/video/tools.js';

test('a child past its time limit is killed and reported as timed out', async () => {
  const started = Date.now();
  const r = await runTool('sleep', ['30'], { timeoutMs: 300, maxStdout: 1024 });
  assert.equal(r.timedOut, true);
  assert.equal(r.code, null);
  assert.ok(Date.now() - started < 5_000);
});

test('aborting kills the child; arguments reach it unchanged, never through a shell', async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 200);
  const r = await runTool('sleep', ['30'], { timeoutMs: 0, maxStdout: 1024, signal: controller.signal });
  assert.equal(r.code, null);
  const echo = await runTool('printf', ['%s', '$(touch /tmp/x); `id` *'], { timeoutMs: 5_000, maxStdout: 1024 });
  assert.equal(echo.stdout.toString(), '$(touch /tmp/x); `id` *');
});

test('output past the bound kills the child instead of filling memory', async () => {
  const r = await runTool('yes', [], { timeoutMs: 10_000, maxStdout: 64 * 1024 });
  assert.equal(r.overflow, true);
  assert.ok(r.stdout.length <= 64 * 1024);
});

test('checkTools names the missing tool and how to install it', async () => {
  const missing = path.join(os.tmpdir(), 'no-such-ffprobe-' + process.pid);
  const hint = await checkTools({ ffprobe: missing, ffmpeg: 'ffmpeg' });
  assert.match(hint!, new RegExp(`cannot run ffprobe \\(${missing}: ENOENT\\).*apt-get install ffmpeg.*INDEXER_FFPROBE`));
  const notTool = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-tools-')), 'ffmpeg');
  fs.writeFileSync(notTool, '#!/bin/sh\nexit 3\n', { mode: 0o755 });
  assert.match((await checkTools({ ffprobe: 'ffprobe', ffmpeg: notTool }))!, /cannot run ffmpeg .*exit status 3/);
  assert.match((await checkTools({ ffprobe: missing, ffmpeg: notTool }))!, /cannot run ffprobe/, 'both missing: the first one named');
  assert.equal(await checkTools({ ffprobe: 'ffprobe', ffmpeg: 'ffmpeg' }), null, 'ffmpeg is installed here (CI installs it)');
});

test("ffmpeg's messages lose their component tags and the input's repeated name", () => {
  const file = '/v/a.mov';
  assert.equal(
    toolMessage('[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55d1c0] moov atom not found / file:/v/a.mov: Invalid data found when processing input', file),
    'moov atom not found; Invalid data found when processing input',
  );
});
