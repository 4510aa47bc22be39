/** End-to-end: without ffprobe the video stage pauses and photos go on; a hung decoder is killed by --task-timeout. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { lastJson, repoRoot, sandbox } from './helpers.js';

function clips(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(repoRoot, 'fixtures', 'videos', 'android.mp4'), path.join(dir, 'android.mp4'));
  fs.copyFileSync(path.join(repoRoot, 'fixtures', 'photos', 'forest.jpg'), path.join(dir, 'forest.jpg'));
}

test('no ffprobe: the video stage pauses with one line saying how to install it; photos are done; resume finishes later', async () => {
  const box = sandbox('indexer-video-none-');
  try {
    const dir = path.join(box.dir, 'lib');
    clips(dir);
    const missing = path.join(box.dir, 'no-such-ffprobe');
    const scan = await box.run(['scan', dir, '--json'], { env: { INDEXER_FFPROBE: missing } });
    assert.equal(scan.code, 0, scan.stderr);
    const paused = scan.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.event === 'stage paused' && e.stage === 'video');
    assert.equal(paused.length, 1);
    assert.match(paused[0].reason, new RegExp(`cannot run ffprobe \\(${missing}: ENOENT\\).*apt-get install ffmpeg`));
    const summary = lastJson(scan.stdout).extract;
    assert.equal(summary.stages.thumbnail.done, 1);
    assert.equal(summary.stages.exif.done, 1);
    assert.deepEqual([summary.stages.video.pending, summary.stages.video.failed], [1, 0]);

    const resume = await box.run(['resume', '--json']);
    assert.equal(resume.code, 0, resume.stderr);
    assert.equal(lastJson(resume.stdout).extract.stages.video.done, 1);
  } finally {
    box.cleanup();
  }
});

test('no ffprobe and no video to do: nothing is said about the video stage', async () => {
  const box = sandbox('indexer-video-none-needed-');
  try {
    const dir = path.join(box.dir, 'lib');
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(repoRoot, 'fixtures', 'photos', 'forest.jpg'), path.join(dir, 'forest.jpg'));
    const scan = await box.run(['scan', dir, '--json'], { env: { INDEXER_FFPROBE: path.join(box.dir, 'no-such-ffprobe') } });
    assert.equal(scan.code, 0, scan.stderr);
    const events = scan.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.deepEqual(events.filter((e) => e.event === 'stage paused' && e.stage === 'video'), []);
    assert.equal(lastJson(scan.stdout).extract.stages.thumbnail.done, 1);
  } finally {
    box.cleanup();
  }
});

test('a hung decoder is killed at --task-timeout: the clip fails with the reason, no decoder is left running', async () => {
  const box = sandbox('indexer-video-hang-');
  try {
    const dir = path.join(box.dir, 'lib');
    clips(dir);
    // An "ffmpeg" that answers -version and then hangs on every decode, as a decoder stuck on a bad stream does.
    // Each hung process writes its pid first (exec keeps it), so the test can tell whether it is still running.
    const pids = path.join(box.dir, 'pids');
    const fake = path.join(box.dir, 'ffmpeg');
    fs.writeFileSync(fake, `#!/bin/sh\nif [ "$1" = "-version" ]; then echo "ffmpeg version fake"; exit 0; fi\necho $$ >> ${pids}\nexec sleep 600\n`, { mode: 0o755 });
    const started = Date.now();
    const scan = await box.run(['scan', dir, '--json', '--task-timeout', '10s'], { env: { INDEXER_FFMPEG: fake }, timeoutMs: 60_000 });
    assert.equal(scan.code, 0, scan.stderr);
    assert.ok(Date.now() - started < 45_000);
    const failed = scan.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.event === 'task failed' && e.stage === 'video');
    assert.equal(failed.length, 1);
    // The worker kills its decoder a little before the limit and says so; on a loaded machine the engine's own timer
    // may come first and replace the worker, and then the main thread kills the decoder the worker left behind.
    assert.match(failed[0].reason, /android\.mp4: (ffmpeg did not finish decoding within \d+ s \(killed\) \(--task-timeout\)|timed out after 10s \(--task-timeout\); worker replaced)$/);
    assert.equal(lastJson(scan.stdout).extract.stages.thumbnail.done, 1, 'the photo is not held up');
    assert.ok(fs.existsSync(pids), `the fake decoder never ran: ${failed[0].reason}`);
    const hung = fs.readFileSync(pids, 'utf8').split('\n').filter(Boolean).map(Number);
    assert.ok(hung.length >= 1);
    const left = hung.filter((pid) => fs.existsSync(`/proc/${pid}`) && fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith('sleep'));
    assert.deepEqual(left, [], 'the hung decoder was killed');
  } finally {
    box.cleanup();
  }
});

test('a video replaced by broken bytes keeps none of its old renditions: poster thumbnail, preview, clip source', async () => {
  const box = sandbox('indexer-video-forget-');
  try {
    const dir = path.join(box.dir, 'lib');
    fs.mkdirSync(dir, { recursive: true });
    // Large enough for a clip source (a short side over 224 px); the fixtures' clips are 160x120.
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=480x320:rate=10', '-t', '1', '-pix_fmt', 'yuv420p', path.join(dir, 'clip.mp4')]);
    // An identical copy, left intact: the renditions both use must stay for it.
    fs.copyFileSync(path.join(dir, 'clip.mp4'), path.join(dir, 'copy.mp4'));
    const first = await box.run(['scan', dir, '--json']);
    assert.equal(first.code, 0, first.stderr);
    const made = (kind: string) => {
      const at = path.join(box.cache, kind);
      return fs.existsSync(at) ? fs.readdirSync(at, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length : 0;
    };
    // The clip stage is in the run (waiting for a model): the poster's clip source is kept beside its renditions.
    assert.deepEqual(['thumbs', 'previews', 'clip-sources'].map(made), [1, 1, 1], 'one set, shared by the two copies');
    fs.writeFileSync(path.join(dir, 'clip.mp4'), Buffer.alloc(4096, 7));
    const second = await box.run(['scan', dir, '--json']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(lastJson(second.stdout).extract.stages.video.failed, 1, second.stdout);
    assert.deepEqual(['thumbs', 'previews', 'clip-sources'].map(made), [1, 1, 1], 'the copy still uses them');
    fs.rmSync(path.join(dir, 'copy.mp4'));
    fs.writeFileSync(path.join(dir, 'copy.mp4'), Buffer.alloc(4096, 9));
    const third = await box.run(['scan', dir, '--json']);
    assert.equal(third.code, 0, third.stderr);
    assert.deepEqual(['thumbs', 'previews', 'clip-sources'].map(made), [0, 0, 0], 'nothing of the old bytes is left');
  } finally {
    box.cleanup();
  }
});
