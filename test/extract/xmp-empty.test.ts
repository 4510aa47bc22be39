import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { run } from '../../src/extract/xmp/work.js';
import { taskInput, tempDir } from './helpers.js';

test('an empty file fails the xmp stage saying so, not with a DataView offset', async (t) => {
  const dir = tempDir('xmp-empty');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const name of ['empty.jpg', 'empty.png', 'empty.heic']) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, '');
    const outcome = await run(taskInput(file, { stage: 'xmp', size: 0 }));
    assert.deepEqual(outcome, { status: 'failed', reason: `${file}: cannot read embedded XMP: the file is empty`, retryable: false });
  }
});
