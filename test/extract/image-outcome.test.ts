import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decoderMessage } from '../../src/extract/image-outcome.js';

test("a decoder's message keeps each of libvips' lines once, without the file's path", () => {
  const file = '/photos/scan 1.tif';
  const err = new Error(`${file}: bad seek to 3309\n${file}: bad seek to 3309\n${file}: bad seek to 3309\ntiff2vips: Seek error at scanline 4, strip 0\n`);
  assert.equal(decoderMessage(err, file), 'bad seek to 3309; tiff2vips: Seek error at scanline 4, strip 0');
  const missing = new Error(`VipsForeignLoad: file "${file}" does not exist\nVipsForeignLoad: file "${file}" does not exist\n`);
  assert.equal(decoderMessage(missing, file), 'VipsForeignLoad: file does not exist');
});
