/** Finding the clip in Google, MicroVideo and Samsung motion photos (the committed fixtures and edge cases). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromSamsungTrailer, fromXmp, startsWithFtyp, xmpBytes } from '../../../src/extract/video/motion-photo.js';

const videos = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'fixtures', 'videos');
const bytes = (name: string) => fs.readFileSync(path.join(videos, name));
const reader = (b: Buffer) => (offset: number, length: number) => b.subarray(offset, offset + length);

test('Google Motion Photo and MicroVideo: the XMP gives the clip at the end of the file, and it is an MP4', () => {
  for (const [name, kind] of [['PXL_motion.MP.jpg', 'google'], ['MVIMG_micro.jpg', 'microvideo']] as const) {
    const b = bytes(name);
    const xmp = xmpBytes(reader(b), b.length);
    assert.match(xmp.toString('latin1'), /^<\?xpacket|^<x:xmpmeta/, 'the XMP segment itself');
    const clip = fromXmp(xmp, b.length)!;
    assert.equal(clip.kind, kind);
    assert.equal(clip.offset + clip.length, b.length);
    assert.ok(startsWithFtyp(b.subarray(clip.offset, clip.offset + 8)), name);
    assert.equal(fromSamsungTrailer(reader(b), b.length), null);
  }
});

test('Samsung: the SEF trailer names the MotionPhoto_Data block; the clip is found without reading it', () => {
  const b = bytes('samsung_motion.jpg');
  const reads: number[] = [];
  const clip = fromSamsungTrailer((o, l) => (reads.push(l), b.subarray(o, o + l)), b.length)!;
  assert.equal(clip.kind, 'samsung');
  assert.ok(startsWithFtyp(b.subarray(clip.offset, clip.offset + 8)));
  assert.equal(b.toString('latin1', clip.offset - 'MotionPhoto_Data'.length, clip.offset), 'MotionPhoto_Data');
  assert.ok(reads.every((l) => l <= 72), 'small reads only');
  assert.equal(fromXmp(xmpBytes(reader(b), b.length), b.length), null);
});

test('plain stills, a flag without a length, element-form XMP, and a broken trailer', () => {
  const plain = bytes('../photos/forest.jpg');
  assert.equal(xmpBytes(reader(plain), plain.length).length, 0, 'a JPEG without XMP: nothing read past its segment headers');
  assert.equal(fromXmp(plain, plain.length), null);
  assert.equal(fromSamsungTrailer(reader(plain), plain.length), null);
  assert.equal(fromXmp(Buffer.from('<x GCamera:MotionPhoto="1"/>'), 1000), null, 'no directory: no clip to point at');
  assert.deepEqual(fromXmp(Buffer.from('<GCamera:MicroVideo>1</GCamera:MicroVideo><GCamera:MicroVideoOffset>300</GCamera:MicroVideoOffset>'), 1000), {
    kind: 'microvideo',
    offset: 700,
    length: 300,
  });
  assert.equal(fromXmp(Buffer.from('GCamera:MicroVideo="0" GCamera:MicroVideoOffset="300"'), 1000), null);
  const bogus = Buffer.concat([Buffer.alloc(100), Buffer.from([0xff, 0xff, 0xff, 0x0f]), Buffer.from('SEFT')]);
  assert.equal(fromSamsungTrailer(reader(bogus), bogus.length), null);
});
