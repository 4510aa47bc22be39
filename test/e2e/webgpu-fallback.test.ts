/**
 * --device webgpu on a machine without a usable GPU (issue 12 item 13): one warning line and the CPU, never the
 * native libraries' own output on our stderr; their lines appear, labelled, under --verbose.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tinyModel } from '../clip-helpers.js';
import { sandbox } from './helpers.js';

test('--device webgpu without an adapter: one warning line, native logs only under --verbose', { timeout: 180_000 }, async (t) => {
  const box = sandbox();
  t.after(() => box.cleanup());
  const root = path.join(box.dir, 'photos');
  fs.mkdirSync(root);
  fs.copyFileSync(fixture(), path.join(root, 'beach.jpg'));
  const env = { XDG_DATA_HOME: path.join(box.dir, 'xdg') };
  const plain = await box.run(['scan', root, '--model', tinyModel, '--device', 'webgpu', '--stages', 'clip'], { env });
  assert.equal(plain.code, 0, plain.stderr);
  if (/on webgpu/.test(plain.stderr)) return t.skip('this machine has a working WebGPU adapter');
  const lines = plain.stderr.trim().split('\n');
  // Our own lines: the clip stage's, and the progress line phase 2 prints on stderr without a terminal.
  const ours = (l: string) => l.startsWith('clip: ') || l.startsWith('extract: ');
  assert.deepEqual(lines.filter((l) => !ours(l)), [], 'nothing but our own lines on stderr');
  const warnings = lines.filter((l) => /webgpu/i.test(l) && !/on cpu \(--device webgpu\)/.test(l));
  assert.equal(warnings.length, 1, plain.stderr);
  assert.match(warnings[0]!, /^clip: --device webgpu is not usable \(webgpu: .+\); falling back to cpu \(--verbose for details\)$/);
  assert.doesNotMatch(plain.stderr, /XDG_RUNTIME_DIR|Vulkan|dawn|\.cc:\d+/i);

  fs.rmSync(path.dirname(box.db), { recursive: true, force: true });
  const verbose = await box.run(['--verbose', 'scan', root, '--model', tinyModel, '--device', 'webgpu', '--stages', 'clip'], { env });
  assert.equal(verbose.code, 0, verbose.stderr);
  assert.deepEqual(verbose.stderr.trim().split('\n').filter((l) => !ours(l)), [], 'native lines come labelled');
  assert.equal(verbose.stderr.split('\n').filter((l) => /not usable/.test(l)).length, 1);
});

function fixture(): string {
  return path.join(path.dirname(tinyModel), '..', 'photos', 'beach.jpg');
}
