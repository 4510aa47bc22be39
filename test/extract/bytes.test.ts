/** The pure byte-level helpers: format sniffing, ISO box checks, RAW preview search, forgiving TIFF reading. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { looksTruncated, sniffFormat } from '../../src/extract/image-sniff.js';
import { checkIsoBoxes } from '../../src/extract/image-isobmff.js';
import { findLargestJpeg } from '../../src/extract/thumbnail/raw-preview.js';
import { readTiffLenient } from '../../src/extract/exif/tiff-lenient.js';
import { pngRawProfile } from '../../src/extract/exif/png-profile.js';
import { run as exifRun } from '../../src/extract/exif/work.js';
import { run as xmpRun } from '../../src/extract/xmp/work.js';
import { media, taskInput, tempDir } from './helpers.js';

const box = (type: string, payload: Buffer = Buffer.alloc(0), size = 8 + payload.length) => {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(size, 0);
  b.write(type, 4, 'latin1');
  return Buffer.concat([b, payload]);
};
const ftyp = (brands: string) => box('ftyp', Buffer.from(brands, 'latin1'));

test('formats are sniffed from bytes, not names', () => {
  const head = (f: string) => fs.readFileSync(media(f)).subarray(0, 64);
  assert.equal(sniffFormat(head('gps.jpg')), 'jpeg');
  assert.equal(sniffFormat(head('alpha.png')), 'png');
  assert.equal(sniffFormat(head('animated.gif')), 'gif');
  assert.equal(sniffFormat(head('sample.heic')), 'heic');
  assert.equal(sniffFormat(head('sample.dng')), 'tiff');
  assert.equal(sniffFormat(head('clip.mp4')), 'video');
  assert.equal(sniffFormat(head('garbage.jpg')), 'unknown');
  assert.equal(sniffFormat(ftyp('avif\0\0\0\0mif1')), 'avif');
  assert.equal(sniffFormat(ftyp('crx \0\0\0\0isom')), 'cr3');
  assert.equal(sniffFormat(new Uint8Array()), 'unknown');
});

test('a missing JPEG or PNG end marker reads as truncated', () => {
  const jpeg = fs.readFileSync(media('gps.jpg'));
  assert.equal(looksTruncated('jpeg', jpeg.subarray(-1024)), false);
  assert.equal(looksTruncated('jpeg', fs.readFileSync(media('truncated.jpg')).subarray(-1024)), true);
  assert.equal(looksTruncated('png', fs.readFileSync(media('alpha.png')).subarray(-1024)), false);
});

test('ISO boxes of size zero or smaller than their header are refused; sound files pass', () => {
  assert.equal(checkIsoBoxes(fs.readFileSync(media('sample.heic'))), null);
  assert.match(checkIsoBoxes(Buffer.concat([ftyp('heic\0\0\0\0mif1'), Buffer.alloc(32)]))!, /no readable type/);
  assert.match(checkIsoBoxes(Buffer.concat([ftyp('heic\0\0\0\0mif1'), box('meta', Buffer.alloc(16), 0)]))!, /size 0/);
  assert.match(checkIsoBoxes(Buffer.concat([ftyp('heic\0\0\0\0mif1'), box('meta', Buffer.alloc(16), 4)]))!, /smaller than its header/);
  assert.equal(checkIsoBoxes(Buffer.concat([ftyp('heic\0\0\0\0mif1'), box('mdat', Buffer.alloc(16), 0)])), null);
});

test('the metadata stages refuse a looping HEIF structure at once instead of hanging', async () => {
  const file = path.join(tempDir('loop'), 'loop.heic');
  fs.writeFileSync(file, Buffer.concat([ftyp('heic\0\0\0\0heicmif1'), Buffer.alloc(56)]));
  const exif = await exifRun(taskInput(file));
  assert.equal(exif.status, 'failed');
  assert.match((exif as { reason: string }).reason, /loop\.heic: .*malformed ISO media box structure/);
  const xmp = await xmpRun(taskInput(file));
  assert.equal(xmp.status, 'failed');
});

test('the largest baseline JPEG in a RAW wins; lossless (SOF3) sensor data is never taken for a preview', () => {
  const dng = fs.readFileSync(media('sample.dng'));
  const found = findLargestJpeg(dng)!;
  assert.deepEqual([found.width, found.height], [120, 80]);
  // A lossless-JPEG header announcing a bigger image, in front of the real preview.
  const sof3 = Buffer.from([0xff, 0xd8, 0xff, 0xc3, 0x00, 0x11, 0x08, 0x10, 0x00, 0x20, 0x00, 0x03, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]);
  assert.deepEqual(findLargestJpeg(Buffer.concat([sof3, dng]))!.width, 120);
  assert.equal(findLargestJpeg(fs.readFileSync(media('no-preview.nef'))), null);
});

/** A little-endian TIFF with IFD0 entries given as [tag, type, count, value-or-offset]. */
function tiff(entries: [number, number, number, number][], data: Buffer = Buffer.alloc(0), declared = entries.length): Buffer {
  const ifd = Buffer.alloc(2 + entries.length * 12 + 4);
  ifd.writeUInt16LE(declared, 0);
  entries.forEach(([tag, type, count, value], i) => {
    ifd.writeUInt16LE(tag, 2 + i * 12);
    ifd.writeUInt16LE(type, 4 + i * 12);
    ifd.writeUInt32LE(count, 6 + i * 12);
    ifd.writeUInt32LE(value, 10 + i * 12);
  });
  return Buffer.concat([Buffer.from([0x49, 0x49, 42, 0, 8, 0, 0, 0]), ifd, data]);
}

test('the forgiving TIFF reader skips entries of invalid type and keeps the rest', () => {
  const dataAt = 8 + 2 + 3 * 12 + 4;
  const t = tiff([[0x0001, 0, 1, 0], [0x010f, 2, 5, dataAt], [0x0112, 3, 1, 6]], Buffer.from('Acme\0'));
  assert.deepEqual(readTiffLenient(t, { inSegment: false }), { Make: 'Acme', Orientation: 6 });
});

test('a directory running past the block is dropped; an outside value stops a file but is skipped in a segment', () => {
  assert.equal(readTiffLenient(tiff([[0x0112, 3, 1, 6]], Buffer.alloc(0), 40), { inSegment: false }), null);
  const outside = tiff([[0x010f, 2, 20, 9999], [0x0112, 3, 1, 3]]);
  assert.equal(readTiffLenient(outside, { inSegment: false }), null);
  assert.deepEqual(readTiffLenient(outside, { inSegment: true }), { Orientation: 3 });
});

test('EXIF kept as an ImageMagick raw profile in a PNG text chunk is found', async () => {
  const exif = tiff([[0x0112, 3, 1, 8]]);
  const hex = exif.toString('hex').replace(/(.{64})/g, '$1\n');
  const text = Buffer.from(`\nexif\n${String(exif.length + 6).padStart(8)}\n${Buffer.from('Exif\0\0', 'latin1').toString('hex')}${hex}\n`, 'latin1');
  const chunkData = Buffer.concat([Buffer.from('Raw profile type exif\0\0', 'latin1'), deflateSync(text)]);
  const png = fs.readFileSync(media('alpha.png'));
  const chunk = Buffer.alloc(12 + chunkData.length);
  chunk.writeUInt32BE(chunkData.length, 0);
  chunk.write('zTXt', 4, 'latin1');
  chunkData.copy(chunk, 8); // CRC left zero: readers of metadata do not check it
  const withProfile = Buffer.concat([png.subarray(0, 33), chunk, png.subarray(33)]);
  assert.deepEqual(Buffer.from(pngRawProfile(withProfile)!), exif);
  const file = path.join(tempDir('png'), 'profile.png');
  fs.writeFileSync(file, withProfile);
  const r = await exifRun(taskInput(file));
  assert.equal(r.status === 'done' && r.value.orientation, 8);
});

test('failure reasons are one printable line of bounded length', async () => {
  const { badFile } = await import('../../src/extract/image-outcome.js');
  const r = badFile('/x/a.jpg', `bad tag "<abc\n  def\u0000>"${'z'.repeat(1000)}`) as { reason: string };
  assert.doesNotMatch(r.reason, /[\n\r\u0000]/);
  assert.ok(r.reason.startsWith('/x/a.jpg: bad tag "<abc def >"'), r.reason);
  assert.ok(r.reason.length < 400);
});
