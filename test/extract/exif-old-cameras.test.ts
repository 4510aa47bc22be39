/**
 * EXIF as late-1990s cameras wrote it, where exifr reads nothing or too little and exiftool reads it all: the
 * forgiving reader fills in. Each file is built here byte by byte (exiftool reads the same values from each).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readExifTags } from '../../src/extract/exif/read.js';
import { normalizeExif } from '../../src/extract/exif/normalize.js';

interface Shape {
  /** Type of the ExifOffset entry in IFD0: 4 (LONG) is right; 3 (SHORT) and 9 (SLONG) are what some cameras wrote. */
  exifOffsetType?: number;
  /** An IFD0 entry with an invalid type (0): exifr then drops IFD0 and everything it points to. */
  damagedIfd0?: boolean;
  littleEndian?: boolean;
}

/** A TIFF block: IFD0 {Make, Model, Orientation, ModifyDate, ExifOffset}, EXIF IFD {DateTimeOriginal, ISO}. */
function tiff({ exifOffsetType = 4, damagedIfd0 = false, littleEndian = false }: Shape): Buffer {
  const buf = Buffer.alloc(600);
  const w16 = (v: number, o: number) => (littleEndian ? buf.writeUInt16LE(v, o) : buf.writeUInt16BE(v, o));
  const w32 = (v: number, o: number) => (littleEndian ? buf.writeUInt32LE(v, o) : buf.writeUInt32BE(v, o));
  buf.write(littleEndian ? 'II' : 'MM', 0, 'latin1');
  w16(42, 2);
  w32(8, 4);
  let data = 400;
  const ascii = (s: string) => {
    const at = data;
    buf.write(s + '\0', at, 'latin1');
    data += s.length + 2;
    return at;
  };
  let p = 8;
  const entry = (tag: number, type: number, count: number, write: (at: number) => void) => {
    w16(tag, p);
    w16(type, p + 2);
    w32(count, p + 4);
    write(p + 8);
    p += 12;
  };
  w16(damagedIfd0 ? 6 : 5, p);
  p += 2;
  const make = ascii('OLYMPUS OPTICAL CO.,LTD');
  entry(0x010f, 2, 24, (at) => w32(make, at));
  const model = ascii('C2000Z');
  entry(0x0110, 2, 7, (at) => w32(model, at));
  entry(0x0112, 3, 1, (at) => w16(6, at));
  if (damagedIfd0) entry(0x011a, 0, 1, (at) => w32(72, at));
  const modified = ascii('1999:12:07 09:00:00');
  entry(0x0132, 2, 20, (at) => w32(modified, at));
  entry(0x8769, exifOffsetType, 1, (at) => (exifOffsetType === 3 ? w16(200, at) : w32(200, at)));
  w32(0, p);
  p = 200;
  w16(2, p);
  p += 2;
  const original = ascii('1999:12:06 16:38:40');
  entry(0x9003, 2, 20, (at) => w32(original, at));
  entry(0x8827, 3, 1, (at) => w16(100, at));
  w32(0, p);
  return buf.subarray(0, data);
}

function jpeg(block: Buffer, header = 'Exif\0\0'): Buffer {
  const app1 = Buffer.concat([Buffer.from(header, 'latin1'), block]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(app1.length + 2);
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe1]), length, app1, Buffer.from([0xff, 0xd9])]);
}

async function record(bytes: Buffer) {
  const r = await readExifTags(bytes);
  assert.ok(r.ok, JSON.stringify(r));
  const n = normalizeExif(r.tags, 0);
  return { takenAt: n.takenAt, source: n.takenAtSource, make: n.make, model: n.model, iso: n.iso, orientation: n.orientation };
}

const expected = { takenAt: '1999-12-06T16:38:40', source: 'exif-local', make: 'OLYMPUS OPTICAL CO.,LTD', model: 'C2000Z', iso: 100, orientation: 6 };

test('a wrongly typed ExifOffset (SHORT, SLONG) in a damaged IFD0 keeps DateTimeOriginal and the EXIF IFD', async () => {
  for (const exifOffsetType of [3, 9]) {
    for (const littleEndian of [false, true]) {
      const shape = { exifOffsetType, damagedIfd0: true, littleEndian };
      assert.deepEqual(await record(jpeg(tiff(shape))), expected, JSON.stringify(shape));
    }
  }
  assert.deepEqual(await record(tiff({ exifOffsetType: 3, damagedIfd0: true })), expected, 'a TIFF file too');
});

test('an EXIF segment with a non-standard header ("Exif\\0\\xff", "EXIF\\0\\0") is read, not missed whole', async () => {
  for (const header of ['Exif\0\xff', 'EXIF\0\0', 'Exif\0\0']) {
    assert.deepEqual(await record(jpeg(tiff({}), header)), expected, JSON.stringify(header));
  }
});

test('an APP1 segment that is not EXIF is still not taken for one', async () => {
  const r = await readExifTags(jpeg(tiff({}), 'Exif\0\0'.replace('E', 'X')));
  assert.ok(r.ok);
  assert.equal(r.tags, null);
});
