/**
 * Reading a HEIF's colour information (heif-colour.ts) and carrying a profile into sharp (tagged-tiff.ts): the
 * fixtures heif-enc made, and hand-built containers for the layouts it does not make (a grid whose colour sits on its
 * tiles, two colr boxes, damage).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import sharp from 'sharp';
import { readPrimaryColour, sourceProfile, type HeifColour } from '../../src/extract/thumbnail/heif-colour.js';
import { tiffWithProfile } from '../../src/extract/thumbnail/tagged-tiff.js';
import { media } from './helpers.js';

/** libvips' built-in profile bytes ('srgb', 'p3') as it attaches them to an image. */
async function builtinProfile(name: 'srgb' | 'p3'): Promise<Buffer> {
  const png = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } }).withIccProfile(name).png().toBuffer();
  return (await sharp(png).metadata()).icc!;
}

const box = (type: string, ...payload: Buffer[]) => {
  const body = Buffer.concat(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
};
const u16 = (...v: number[]) => Buffer.concat(v.map((n) => Buffer.from([n >> 8, n & 0xff])));
const u32 = (n: number) => Buffer.from([n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
const fullBox = (type: string, version: number, ...payload: Buffer[]) => box(type, Buffer.from([version, 0, 0, 0]), ...payload);
const iccColr = (icc: Buffer) => box('colr', Buffer.from('prof', 'latin1'), icc);
const nclxColr = (primaries: number, transfer: number) => box('colr', Buffer.from('nclx', 'latin1'), u16(primaries, transfer, 6), Buffer.from([0x80]));

/**
 * A HEIF header: `properties` in ipco, `associations` item -> 1-based property indices (ipma version 0, 8-bit
 * indices), primary item 1, and item 1 derived ('dimg') from items 2 and 3 when `grid` is set.
 */
function heif(properties: Buffer[], associations: [number, number[]][], grid = false): Buffer {
  const ipma = fullBox(
    'ipma',
    0,
    u32(associations.length),
    ...associations.map(([item, indices]) => Buffer.concat([u16(item), Buffer.from([indices.length, ...indices.map((i) => i | 0x80)])])),
  );
  const iref = grid ? [fullBox('iref', 0, box('dimg', u16(1), u16(2), u16(2, 3)))] : [];
  const meta = fullBox('meta', 0, fullBox('pitm', 0, u16(1)), ...iref, box('iprp', box('ipco', ...properties), ipma));
  return Buffer.concat([box('ftyp', Buffer.from('heic\0\0\0\0mif1heic', 'latin1')), meta, box('mdat', Buffer.alloc(16))]);
}

test('p3.heic states an ICC profile that is not sRGB: its bytes are what to convert from', async () => {
  const colour = readPrimaryColour(fs.readFileSync(media('p3.heic')));
  assert.equal(colour?.kind, 'icc');
  const icc = (colour as Extract<HeifColour, { kind: 'icc' }>).icc;
  // What libvips itself reads from the file's header.
  assert.deepEqual(Buffer.from(icc), (await sharp(media('p3.heic')).metadata()).icc);
  assert.deepEqual(sourceProfile(colour), icc);
});

test('p3-nclx.heic states Display P3 by nclx code points: converted from the built-in P3 profile', () => {
  const colour = readPrimaryColour(fs.readFileSync(media('p3-nclx.heic')));
  assert.deepEqual(colour, { kind: 'nclx', primaries: 12, transfer: 13, matrix: 6, fullRange: true });
  assert.equal(sourceProfile(colour), 'p3');
});

test('sRGB pixels are left alone: no colour stated, an sRGB ICC profile, BT.709 or unspecified nclx', async () => {
  assert.equal(readPrimaryColour(fs.readFileSync(media('sample.heic'))), null);
  assert.equal(sourceProfile(null), null);
  assert.equal(sourceProfile({ kind: 'icc', icc: await builtinProfile('srgb') }), null);
  assert.equal(sourceProfile({ kind: 'nclx', primaries: 1, transfer: 13, matrix: 6, fullRange: true }), null);
  assert.equal(sourceProfile({ kind: 'nclx', primaries: 2, transfer: 2, matrix: 6, fullRange: true }), null);
  // HDR (PQ) P3 and BT.2020 have no profile in libvips: left as decoded rather than converted wrongly.
  assert.equal(sourceProfile({ kind: 'nclx', primaries: 12, transfer: 16, matrix: 6, fullRange: true }), null);
  assert.equal(sourceProfile({ kind: 'nclx', primaries: 9, transfer: 13, matrix: 9, fullRange: true }), null);
});

test("a grid without its own colour takes its first tile's (the iPhone layout)", async () => {
  const p3 = await builtinProfile('p3');
  const srgb = await builtinProfile('srgb');
  // Item 1 is the grid (no colr); tile 2 carries P3, tile 3 sRGB: the first tile wins, as in libheif.
  const file = heif([box('ispe', Buffer.alloc(12)), iccColr(p3), iccColr(srgb)], [[1, [1]], [2, [2]], [3, [3]]], true);
  assert.deepEqual(readPrimaryColour(file), { kind: 'icc', icc: new Uint8Array(p3) });
  // Without the dimg reference nothing links the grid to its tiles.
  assert.equal(readPrimaryColour(heif([iccColr(p3)], [[2, [1]]])), null);
});

test('an ICC profile wins over nclx on the same item; ipma version 1 (32-bit ids) and 16-bit indices are read', async () => {
  const p3 = await builtinProfile('p3');
  assert.equal(readPrimaryColour(heif([nclxColr(12, 13), iccColr(p3)], [[1, [1, 2]]]))?.kind, 'icc');
  const ipma = fullBox('ipma', 1, u32(1), u32(1), Buffer.from([1]), u16(0x8001));
  ipma[11] = 1; // flags: 16-bit property indices
  const meta = fullBox('meta', 0, fullBox('pitm', 1, u32(1)), box('iprp', box('ipco', nclxColr(12, 13)), ipma));
  assert.deepEqual(readPrimaryColour(Buffer.concat([box('ftyp', Buffer.from('heic', 'latin1')), meta])), {
    kind: 'nclx',
    primaries: 12,
    transfer: 13,
    matrix: 6,
    fullRange: true,
  });
});

test('damaged or foreign bytes give no colour, never an exception', async () => {
  const good = fs.readFileSync(media('p3.heic'));
  const p3 = await builtinProfile('p3');
  for (let cut = 0; cut < 1400; cut += 7) assert.doesNotThrow(() => readPrimaryColour(good.subarray(0, cut)));
  assert.equal(readPrimaryColour(Buffer.alloc(0)), null);
  assert.equal(readPrimaryColour(fs.readFileSync(media('gps.jpg'))), null);
  // An ipma that claims more entries than it holds, and a property index past the end of ipco.
  const lying = heif([iccColr(p3)], [[1, [1]]]);
  const at = lying.indexOf('ipma') + 8;
  lying.writeUInt32BE(1000, at);
  assert.doesNotThrow(() => readPrimaryColour(lying));
  assert.equal(readPrimaryColour(heif([iccColr(p3)], [[1, [9]]])), null);
  // A colr 'prof' too short to be a profile is not one.
  assert.equal(readPrimaryColour(heif([iccColr(Buffer.alloc(20))], [[1, [1]]])), null);
});

test('tiffWithProfile: sharp reads the same pixels and the same profile back, RGB and RGBA', async () => {
  const p3 = await builtinProfile('p3');
  for (const channels of [3, 4] as const) {
    const width = 5, height = 3;
    const pixels = Uint8Array.from({ length: width * height * channels }, (_, i) => (i * 37) % 256);
    const tiff = tiffWithProfile(pixels, width, height, channels, p3);
    const meta = await sharp(tiff).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height, meta.channels], ['tiff', width, height, channels]);
    assert.deepEqual(meta.icc, p3);
    const back = await sharp(tiff, { ignoreIcc: true }).raw().toBuffer();
    assert.deepEqual(new Uint8Array(back), pixels);
  }
  assert.throws(() => tiffWithProfile(new Uint8Array(10), 5, 3, 3, p3), /10 bytes of pixels for 5x3x3/);
});
