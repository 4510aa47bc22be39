/** What the progress displays write, and where: terminal, TERM=dumb, pipes; rates of finished stages. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { progressFor } from '../../src/cli/progress-select.js';
import { stageRates } from '../../src/cli/progress-format.js';
import { scanProgressDisplay } from '../../src/cli/scan-progress.js';
import { zeroCounts } from '../../src/catalog/scans.js';
import { systemClock } from '../../src/types.js';

function stream(isTTY: boolean, columns = 60) {
  let text = '';
  const w = new Writable({ write: (chunk, _enc, cb) => ((text += chunk.toString()), cb()) }) as Writable & Record<string, unknown>;
  Object.assign(w, { isTTY, columns, rows: 24, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return { w, text: () => text };
}

function cliWith(isTTY: boolean, env: NodeJS.ProcessEnv = {}) {
  const out = stream(isTTY);
  const err = stream(isTTY);
  return { out, err, cli: { env, clock: systemClock, stdout: out.w as any, stderr: err.w as any } };
}

const snapshot = (done: number, elapsedMs: number) => ({ perStage: { thumbnail: { done, failed: 0, skipped: 0 } }, elapsedMs, running: 1 });
const ESC = '\x1b';
const tick = () => new Promise((r) => setTimeout(r, 150));

test('TERM=dumb gets plain progress lines and no cursor controls', async () => {
  const { err, cli } = cliWith(true, { TERM: 'dumb' });
  const display = progressFor({}, cli, { thumbnail: 10 });
  display.events.progress(snapshot(5, 6_000));
  display.events.taskFailed({ path: '/p/a.jpg', stage: 'thumbnail', reason: '/p/a.jpg: not a recognised image', attempts: 1 });
  await tick();
  display.stop();
  const scan = await scanProgressDisplay({}, cli);
  scan.update({ root: '/p', files: 3, counts: zeroCounts() });
  scan.stop();
  assert.ok(!err.text().includes(ESC), JSON.stringify(err.text()));
  assert.match(err.text(), /^extract: thumbnail 5\/10 /m);
  assert.match(err.text(), /^failed: \/p\/a\.jpg: not a recognised image \[thumbnail\]$/m);
});

test('without a terminal, progress and failures go to stderr; stdout gets only the summary', async () => {
  const { out, err, cli } = cliWith(false);
  const display = progressFor({}, cli, { thumbnail: 10 });
  display.events.progress(snapshot(5, 6_000));
  display.events.taskFailed({ path: '/p/a.jpg', stage: 'thumbnail', reason: 'broken', attempts: 1 });
  display.stop();
  assert.equal(out.text(), '');
  assert.match(err.text(), /extract: thumbnail 5\/10 .*\nfailed: broken \[thumbnail\]\n/);
  display.summary({ done: 5, failed: 1, skipped: 0, pending: 4, durationMs: 6000, tasksPerSecond: 1, outcome: 'limit' });
  assert.match(out.text(), /^extract: 5 done, 1 failed/);
});

test('on a terminal a failure line keeps its whole reason (line wrapping stays on) and a notice is drawn above the bars', async () => {
  const { err, cli } = cliWith(true);
  const display = progressFor({}, cli, { thumbnail: 10 });
  display.events.progress(snapshot(1, 500));
  const reason = '/photos/2019/very/long/folder/name/IMG_0001.tif: cannot decode: Old-style JPEG compression support is not configured';
  display.events.taskFailed({ path: '/p', stage: 'thumbnail', reason, attempts: 3 });
  await tick();
  display.notice('interrupted: letting running tasks finish');
  assert.ok(!err.text().includes('interrupted'), 'the notice waits for the next redraw, like the failure lines');
  await tick();
  display.stop();
  const text = err.text();
  assert.ok(!text.includes(`${ESC}[?7l`), 'terminal line wrapping is never turned off');
  assert.ok(text.includes(`failed: ${reason} [thumbnail]`));
  // Written once, before a redraw of the bars that follows it.
  assert.equal(text.split('interrupted: letting running tasks finish').length, 2);
  assert.match(text.slice(text.indexOf('interrupted: letting')), /thumbnail \[/);
});

test("a finished stage's rate stays what it was when it finished while other stages go on", () => {
  const rates = stageRates();
  assert.deepEqual(rates.of('exif', 50, 100, 5_000), { rate: '10.0', eta: '5s' });
  assert.deepEqual(rates.of('exif', 100, 100, 10_000), { rate: '10.0', eta: '0s' });
  assert.deepEqual(rates.of('exif', 100, 100, 60_000), { rate: '10.0', eta: '0s' });
  assert.deepEqual(rates.of('clip', 30, 100, 60_000), { rate: '0.5', eta: '2m20s' });
});
