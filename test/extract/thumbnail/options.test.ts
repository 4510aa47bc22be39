import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { addThumbnailOptions } from '../../../src/cli/phase2-flags.js';
import { parsePixelCount } from '../../../src/cli/parse.js';
import { thumbnailDefaults, thumbnailOptions } from '../../../src/extract/thumbnail/options.js';

function parse(args: string[]): Record<string, unknown> {
  const cmd = addThumbnailOptions(new Command('scan').exitOverride().configureOutput({ writeErr: () => {} }));
  cmd.parse(args, { from: 'user' });
  return cmd.opts();
}

test('thumbnail flags reach the stage as camelCase options over the defaults', () => {
  const opts = parse(['--thumb-size', '320', '--thumb-format', 'avif', '--preview-size', '2048', '--preview-format', 'webp', '--pixel-limit', '250M']);
  assert.deepEqual(thumbnailOptions(opts), { thumbSize: 320, thumbFormat: 'avif', previewSize: 2048, previewFormat: 'webp', pixelLimit: 250_000_000 });
  assert.deepEqual(thumbnailOptions(parse([])), thumbnailDefaults);
});

test('bad values are usage errors with precise messages', () => {
  assert.throws(() => parse(['--thumb-size', '0']), /--thumb-size must be a positive integer/);
  assert.throws(() => parse(['--thumb-format', 'bmp']), /Allowed choices are webp, jpeg, png, avif/);
  assert.throws(() => parse(['--pixel-limit', 'lots']), /--pixel-limit must be a positive pixel count/);
});

test('pixel counts accept plain numbers and k/M/G suffixes', () => {
  assert.equal(parsePixelCount('1000'), 1000);
  assert.equal(parsePixelCount('2.5k'), 2500);
  assert.equal(parsePixelCount('0.2G'), 200_000_000);
  assert.throws(() => parsePixelCount('-5'));
});
