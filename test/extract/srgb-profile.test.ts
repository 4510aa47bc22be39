import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { isSrgbProfile } from '../../src/extract/thumbnail/srgb-profile.js';
import { readHeader } from '../../src/extract/image-io.js';
import { run } from '../../src/extract/thumbnail/work.js';
import { done, taskInput, tempDir } from './helpers.js';

type Xyz = [number, number, number];
const SRGB: Xyz[] = [[0.4361, 0.2225, 0.0139], [0.3851, 0.7169, 0.0971], [0.1431, 0.0606, 0.7141]];
const P3: Xyz[] = [[0.5151, 0.2412, 0], [0.292, 0.6922, 0.0418], [0.1571, 0.0666, 0.7841]];
const srgbToLinear = (v: number) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);

const fixed = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(Math.round(v * 65536));
  return b;
};
const xyzTag = (v: Xyz) => Buffer.concat([Buffer.from('XYZ \0\0\0\0', 'latin1'), ...v.map(fixed)]);
/** A 'curv' tag: one entry is a u8Fixed8 gamma, more are a table. */
function curvTag(entries: number[]): Buffer {
  const head = Buffer.alloc(12);
  head.write('curv', 0, 'latin1');
  head.writeUInt32BE(entries.length, 8);
  const body = Buffer.alloc(2 * entries.length);
  entries.forEach((v, i) => body.writeUInt16BE(Math.round(v), 2 * i));
  return Buffer.concat([head, body]);
}
const srgbTable = (n: number) => Array.from({ length: n }, (_, i) => srgbToLinear(i / (n - 1)) * 65535);

/** A minimal ICC profile: header, tag table, tags (each padded to 4 bytes). */
function profile(tags: Record<string, Buffer>, space = 'RGB '): Buffer {
  const entries = Object.entries(tags);
  let offset = 128 + 4 + 12 * entries.length;
  const table = Buffer.alloc(4 + 12 * entries.length);
  table.writeUInt32BE(entries.length, 0);
  const bodies: Buffer[] = [];
  entries.forEach(([sig, data], i) => {
    table.write(sig, 4 + 12 * i, 'latin1');
    table.writeUInt32BE(offset, 8 + 12 * i);
    table.writeUInt32BE(data.length, 12 + 12 * i);
    const padded = Buffer.alloc(Math.ceil(data.length / 4) * 4);
    data.copy(padded);
    bodies.push(padded);
    offset += padded.length;
  });
  const header = Buffer.alloc(128);
  header.writeUInt32BE(offset, 0);
  header[8] = 2;
  header.write('mntr', 12, 'latin1');
  header.write(space, 16, 'latin1');
  header.write('XYZ ', 20, 'latin1');
  header.write('acsp', 36, 'latin1');
  return Buffer.concat([header, table, ...bodies]);
}
function matrixShaper(colorants: Xyz[], curve: Buffer, extra: Record<string, Buffer> = {}): Buffer {
  return profile({ rXYZ: xyzTag(colorants[0]!), gXYZ: xyzTag(colorants[1]!), bXYZ: xyzTag(colorants[2]!), rTRC: curve, gTRC: curve, bTRC: curve, ...extra });
}

async function embeddedProfile(name: string): Promise<Buffer> {
  const jpeg = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#808080' } }).withIccProfile(name).jpeg().toBuffer();
  return (await sharp(jpeg).metadata()).icc!;
}

test('sRGB profiles are recognised: v4 parametric (libvips/lcms) and v2 1024-entry tables (HP, most cameras)', async () => {
  assert.equal(isSrgbProfile(await embeddedProfile('srgb')), true);
  assert.equal(isSrgbProfile(matrixShaper(SRGB, curvTag(srgbTable(1024)))), true);
  assert.equal(isSrgbProfile(matrixShaper(SRGB, curvTag(srgbTable(26)))), false, 'a 26-point table is too coarse to be exact');
});

test('profiles that would change pixels are not taken for sRGB', async () => {
  assert.equal(isSrgbProfile(await embeddedProfile('p3')), false, 'Display P3 (sRGB curves, wider primaries)');
  assert.equal(isSrgbProfile(await embeddedProfile('cmyk')), false, 'CMYK');
  assert.equal(isSrgbProfile(matrixShaper(P3, curvTag(srgbTable(1024)))), false, 'P3 primaries with a table');
  assert.equal(isSrgbProfile(matrixShaper(SRGB, curvTag([2.2 * 256]))), false, 'sRGB primaries with a plain 2.2 gamma');
  assert.equal(isSrgbProfile(matrixShaper(SRGB, curvTag([]))), false, 'linear sRGB');
  const lut = Buffer.from('mft2\0\0\0\0', 'latin1');
  assert.equal(isSrgbProfile(matrixShaper(SRGB, curvTag(srgbTable(1024)), { A2B0: lut })), false, 'a LUT tag takes precedence in lcms');
  assert.equal(isSrgbProfile(profile({ kTRC: curvTag(srgbTable(1024)) }, 'GRAY')), false, 'grey');
});

test('malformed profiles are not sRGB and do not throw', () => {
  const good = matrixShaper(SRGB, curvTag(srgbTable(1024)));
  for (const cut of [0, 10, 127, 140, 200, good.length - 100]) assert.equal(isSrgbProfile(good.subarray(0, cut)), false, `cut at ${cut}`);
  const lying = Buffer.from(good);
  lying.writeUInt32BE(0xffffff00, 128 + 4 + 4); // first tag's offset far outside the profile
  assert.equal(isSrgbProfile(lying), false);
  const crowded = Buffer.from(good);
  crowded.writeUInt32BE(0xffffffff, 128); // tag count
  assert.equal(isSrgbProfile(crowded), false);
  assert.equal(isSrgbProfile(Buffer.from('not a profile at all, just text that is long enough to have a header......'.repeat(3))), false);
});

async function previewPixel(file: string): Promise<number[]> {
  const v = done(await run(taskInput(file)));
  const { data } = await sharp(v.previewPath).resize(1, 1).raw().toBuffer({ resolveWithObject: true });
  return [...data.subarray(0, 3)];
}

const near = (a: number[], b: number[], tolerance: number) => a.every((v, i) => Math.abs(v - b[i]!) <= tolerance);

test('an sRGB-tagged photo keeps its pixels, a Display P3 one is converted to sRGB', async () => {
  const dir = tempDir('profiles');
  const orange = [230, 120, 40];
  // Stored as Display P3: the stored values are less saturated than the sRGB orange they mean.
  const p3Bytes = await sharp({ create: { width: 600, height: 400, channels: 3, background: { r: orange[0]!, g: orange[1]!, b: orange[2]! } } })
    .withIccProfile('p3')
    .jpeg({ quality: 95 })
    .toBuffer();
  // The same stored values tagged sRGB: libvips' sRGB and P3 profiles have the same length, so swap one for the other.
  const p3Icc = await embeddedProfile('p3');
  const srgbIcc = await embeddedProfile('srgb');
  assert.equal(p3Icc.length, srgbIcc.length);
  const at = p3Bytes.indexOf(p3Icc);
  assert.ok(at > 0);
  const srgbBytes = Buffer.from(p3Bytes);
  srgbIcc.copy(srgbBytes, at);
  const p3 = path.join(dir, 'p3.jpg');
  const srgb = path.join(dir, 'srgb.jpg');
  await fs.promises.writeFile(p3, p3Bytes);
  await fs.promises.writeFile(srgb, srgbBytes);
  assert.equal((await readHeader(srgb)).profileIsSrgb, true, 'the sRGB-tagged file takes the fast path');
  assert.equal((await readHeader(p3)).profileIsSrgb, false);

  const stored = [...(await sharp(srgb, { ignoreIcc: true }).resize(1, 1).raw().toBuffer())];
  assert.ok(!near(stored, orange, 8), `the P3 values differ from the sRGB ones: ${stored} vs ${orange}`);
  const fromSrgb = await previewPixel(srgb);
  const fromP3 = await previewPixel(p3);
  assert.ok(near(fromSrgb, stored, 2), `sRGB-tagged: stored values kept: ${fromSrgb} vs ${stored}`);
  assert.ok(near(fromP3, orange, 3), `P3-tagged: converted back to the sRGB orange: ${fromP3} vs ${orange}`);
});
