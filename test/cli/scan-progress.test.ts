import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { scanProgressDisplay } from '../../src/cli/scan-progress.js';
import { zeroCounts } from '../../src/catalog/scans.js';
import { systemClock } from '../../src/types.js';

function stream(isTTY: boolean) {
  let text = '';
  const w = new Writable({ write: (chunk, _enc, cb) => ((text += chunk.toString()), cb()) }) as Writable & { isTTY?: boolean; columns?: number; cursorTo?: unknown; clearLine?: unknown; moveCursor?: unknown };
  w.isTTY = isTTY;
  w.columns = 120;
  // cli-progress drives the terminal through these readline-style calls.
  w.cursorTo = (_x: number, _y?: number) => true;
  w.clearLine = () => true;
  w.moveCursor = () => true;
  return { w, text: () => text };
}

test('progress is drawn on a TTY and silent otherwise, with --quiet or with --json', async () => {
  const counts = { ...zeroCounts(), new: 3 };
  for (const [isTTY, opts, drawn] of [
    [true, {}, true],
    [false, {}, false],
    [true, { quiet: true }, false],
    [true, { json: true }, false],
  ] as const) {
    const err = stream(isTTY);
    const out = stream(isTTY);
    const p = await scanProgressDisplay(opts, { env: {}, clock: systemClock, stdout: out.w, stderr: err.w });
    p.update({ root: '/photos', files: 10, counts });
    p.stop();
    assert.equal(err.text().includes('scanning /photos'), drawn, JSON.stringify({ isTTY, opts }));
    assert.equal(out.text(), '', 'progress never goes to stdout');
  }
});
