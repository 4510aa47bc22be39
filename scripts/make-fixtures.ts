/**
 * Generates the repository's media fixtures (committed; run again with `node dist/scripts/make-fixtures.js`):
 * - fixtures/media/: one small file per case the image stages must handle (orientations, GPS, sidecars, colour
 *   spaces, alpha, animation, broken files, a decompression bomb, HEIC, DNG, a video);
 * - fixtures/photos/: a tiny example library for the README's example command.
 * sharp writes pixels, EXIF, ICC and XMP. HEIC needs an HEVC encoder, which sharp's prebuilt lacks: `heif-enc`
 * (Debian package libheif-examples) makes it when installed, otherwise the committed file is kept. The DNG and NEF
 * are TIFF containers written byte by byte here around a sharp-made JPEG preview.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { crc32 } from 'node:zlib';
import { childBoxes } from '../src/extract/image-isobmff.js';
import { makeVideoFixtures } from './make-video-fixtures.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const media = path.join(repo, 'fixtures', 'media');
const photos = path.join(repo, 'fixtures', 'photos');

/** Four coloured quadrants: after correct orientation, red is top-left and green top-right. */
export async function quadrants(width: number, height: number): Promise<Buffer> {
  const w = Math.floor(width / 2), h = Math.floor(height / 2);
  const tile = (r: number, g: number, b: number) =>
    sharp({ create: { width: w, height: h, channels: 3, background: { r, g, b } } }).png().toBuffer();
  return sharp({ create: { width, height, channels: 3, background: '#fff' } })
    .composite([
      { input: await tile(255, 0, 0), left: 0, top: 0 },
      { input: await tile(0, 255, 0), left: w, top: 0 },
      { input: await tile(0, 0, 255), left: 0, top: h },
    ])
    .png()
    .toBuffer();
}

/** Stored pixels whose display, after EXIF orientation n, is `upright`. Each step is its own pipeline. */
async function storedFor(upright: Buffer, n: number): Promise<Buffer> {
  const step = (b: Buffer, f: (s: sharp.Sharp) => sharp.Sharp) => f(sharp(b)).png().toBuffer();
  switch (n) {
    case 2: return step(upright, (s) => s.flop());
    case 3: return step(upright, (s) => s.rotate(180));
    case 4: return step(upright, (s) => s.flip());
    case 5: return step(await step(upright, (s) => s.rotate(90)), (s) => s.flop()); // transpose
    case 6: return step(upright, (s) => s.rotate(270));
    case 7: return step(await step(upright, (s) => s.rotate(270)), (s) => s.flop()); // transverse
    case 8: return step(upright, (s) => s.rotate(90));
    default: return upright;
  }
}

const xmpPacket = (body: string) => `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:lr="http://ns.adobe.com/lightroom/1.0/" xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"
    xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#">
${body}
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`;

export const xmp = {
  bag: (prop: string, items: string[]) => `   <${prop}><rdf:Bag>${items.map((i) => `<rdf:li>${i}</rdf:li>`).join('')}</rdf:Bag></${prop}>`,
  seq: (prop: string, items: string[]) => `   <${prop}><rdf:Seq>${items.map((i) => `<rdf:li>${i}</rdf:li>`).join('')}</rdf:Seq></${prop}>`,
  alt: (prop: string, text: string) => `   <${prop}><rdf:Alt><rdf:li xml:lang="x-default">${text}</rdf:li></rdf:Alt></${prop}>`,
  simple: (prop: string, text: string) => `   <${prop}>${text}</${prop}>`,
  regions: (names: string[]) =>
    `   <mwg-rs:Regions rdf:parseType="Resource"><mwg-rs:RegionList><rdf:Bag>${names
      .map((n) => `<rdf:li rdf:parseType="Resource"><mwg-rs:Name>${n}</mwg-rs:Name><mwg-rs:Type>Face</mwg-rs:Type></rdf:li>`)
      .join('')}</rdf:Bag></mwg-rs:RegionList></mwg-rs:Regions>`,
  packet: xmpPacket,
};

const gpsExif = {
  IFD0: { Make: 'Acme', Model: 'Fixture Cam 1', Software: 'make-fixtures' },
  IFD2: {
    DateTimeOriginal: '2024:06:01 18:30:15',
    SubSecTimeOriginal: '250',
    OffsetTimeOriginal: '+02:00',
    ISOSpeedRatings: '200',
    FNumber: '28/10',
    ExposureTime: '1/250',
    FocalLength: '50/1',
    FocalLengthIn35mmFilm: '75',
    LensModel: 'Acme 50mm F2.8',
  },
  IFD3: {
    GPSLatitudeRef: 'S',
    GPSLatitude: '33/1 51/1 3540/100',
    GPSLongitudeRef: 'E',
    GPSLongitude: '151/1 12/1 3000/100',
    GPSAltitudeRef: '0', // libvips cannot write BYTE tags from text; below-sea-level is covered by a unit test
    GPSAltitude: '12/1',
  },
};

function write(file: string, data: Buffer | string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
}

async function makeMedia(): Promise<void> {
  const upright = await quadrants(60, 40);
  for (let n = 1; n <= 8; n++) {
    write(path.join(media, 'orientation', `orient-${n}.jpg`), await sharp(await storedFor(upright, n)).withMetadata({ orientation: n }).jpeg({ quality: 90 }).toBuffer());
  }
  write(path.join(media, 'gps.jpg'), await sharp(upright).withExif(gpsExif).jpeg().toBuffer());
  write(
    path.join(media, 'local-time.jpg'),
    await sharp(upright).withExif({ IFD0: { Make: 'Acme', Model: 'Old Cam' }, IFD2: { DateTimeOriginal: '2019:12:31 23:59:58' } }).jpeg().toBuffer(),
  );
  write(path.join(media, 'no-exif.png'), await sharp(upright).png().toBuffer());
  // No embedded profile: the bundled CMYK one is 1 MB. The thumbnail test embeds it in a temporary copy.
  write(path.join(media, 'cmyk.jpg'), await sharp(upright).toColourspace('cmyk').jpeg().toBuffer());
  write(path.join(media, 'p3.jpg'), await sharp(upright).withIccProfile('p3').jpeg().toBuffer());
  write(path.join(media, '16bit.png'), await sharp(upright).toColourspace('rgb16').png().toBuffer());
  write(
    path.join(media, 'alpha.png'),
    await sharp({ create: { width: 40, height: 40, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0.25 } } }).png().toBuffer(),
  );
  const frame = (c: string) => sharp({ create: { width: 30, height: 20, channels: 3, background: c } }).png().toBuffer();
  write(
    path.join(media, 'animated.gif'),
    await sharp([await frame('#ff0000'), await frame('#00ff00'), await frame('#0000ff')], { join: { animated: true } }).gif({ delay: 100 }).toBuffer(),
  );
  const embedded = xmp.packet(
    [
      xmp.simple('xmp:Rating', '2'),
      xmp.simple('xmp:Label', 'Red'),
      xmp.alt('dc:title', 'Quadrants'),
      xmp.alt('dc:description', 'Four colours &amp; a test'),
      xmp.bag('dc:subject', ['colour', 'test']),
      xmp.bag('lr:hierarchicalSubject', ['Tests|Colour']),
      xmp.seq('dc:creator', ['Fixture Maker']),
      xmp.alt('dc:rights', 'CC0'),
      xmp.regions(['Alice', 'Bob']),
    ].join('\n'),
  );
  write(path.join(media, 'embedded-xmp.jpg'), await sharp(upright).withXmp(embedded).jpeg().toBuffer());
  // Both sidecar names: IMG.jpg.xmp (preferred) and IMG.xmp. Their rating overrides the embedded one.
  write(path.join(media, 'sidecar-double.jpg'), await sharp(upright).withXmp(embedded).jpeg().toBuffer());
  write(path.join(media, 'sidecar-double.jpg.xmp'), xmp.packet([xmp.simple('xmp:Rating', '5'), xmp.bag('dc:subject', ['from-sidecar'])].join('\n')));
  write(path.join(media, 'sidecar-single.jpg'), await sharp(upright).jpeg().toBuffer());
  write(path.join(media, 'sidecar-single.xmp'), xmp.packet([xmp.simple('xmp:Rating', '4'), xmp.alt('dc:title', 'Single')].join('\n')));
  const jpeg = await sharp(upright).resize(120, 80).jpeg().toBuffer();
  write(path.join(media, 'truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  write(path.join(media, 'garbage.jpg'), Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 7919 + 13) % 251)));
  write(path.join(media, 'bomb.png'), await bombPng(100_000, 100_000));
  write(path.join(media, 'sample.dng'), await dng(await sharp(upright).resize(120, 80).jpeg().toBuffer()));
  write(path.join(media, 'no-preview.nef'), tiff([{ tag: 271, type: 2, value: 'NIKON CORPORATION' }, { tag: 272, type: 2, value: 'NIKON D1' }], Buffer.alloc(0)));
  write(path.join(media, 'clip.mp4'), Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypisom\0\0\x02\0isomiso2', 'latin1'), Buffer.alloc(64)]));
  heic(upright);
  await heicP3(upright);
}

/** A PNG whose header claims width x height: refused before any pixel is decoded. */
async function bombPng(width: number, height: number): Promise<Buffer> {
  const png = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } }).png().toBuffer();
  const out = Buffer.from(png);
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)) >>> 0, 29); // IHDR type + data
  return out;
}

interface Entry {
  tag: number;
  /** 1 BYTE, 2 ASCII, 3 SHORT, 4 LONG */
  type: 1 | 2 | 3 | 4;
  value: string | number | number[];
}

/** A little-endian TIFF with one IFD; `payload` is appended and LONG values of -1 point at it. */
function tiff(entries: Entry[], payload: Buffer): Buffer {
  entries = [...entries].sort((a, b) => a.tag - b.tag);
  const ifdSize = 2 + entries.length * 12 + 4;
  const size = { 1: 1, 2: 1, 3: 2, 4: 4 } as const;
  const encoded = entries.map((e) => {
    const values = typeof e.value === 'string' ? [...Buffer.from(e.value + '\0', 'latin1')] : Array.isArray(e.value) ? e.value : [e.value];
    const buf = Buffer.alloc(values.length * size[e.type]);
    values.forEach((v, i) => (e.value === -1 ? 0 : e.type === 3 ? buf.writeUInt16LE(v, i * 2) : e.type === 4 ? buf.writeUInt32LE(v, i * 4) : buf.writeUInt8(v, i)));
    return { e, count: values.length, buf };
  });
  let extra = 8 + ifdSize;
  const outside: Buffer[] = [];
  const ifd = Buffer.alloc(ifdSize);
  ifd.writeUInt16LE(entries.length, 0);
  const extraTotal = encoded.reduce((n, x) => n + (x.buf.length > 4 ? x.buf.length + (x.buf.length % 2) : 0), 0);
  const payloadAt = 8 + ifdSize + extraTotal;
  encoded.forEach(({ e, count, buf }, i) => {
    const at = 2 + i * 12;
    ifd.writeUInt16LE(e.tag, at);
    ifd.writeUInt16LE(e.type, at + 2);
    ifd.writeUInt32LE(count, at + 4);
    if (e.type === 4 && e.value === -1) ifd.writeUInt32LE(payloadAt, at + 8);
    else if (buf.length <= 4) buf.copy(ifd, at + 8);
    else {
      ifd.writeUInt32LE(extra, at + 8);
      const padded = buf.length % 2 ? Buffer.concat([buf, Buffer.alloc(1)]) : buf;
      outside.push(padded);
      extra += padded.length;
    }
  });
  const header = Buffer.from([0x49, 0x49, 42, 0, 8, 0, 0, 0]);
  return Buffer.concat([header, ifd, ...outside, payload]);
}

/** A DNG-shaped TIFF: a JPEG preview (plus a smaller one) and orientation 6, as cameras store portrait shots. */
async function dng(preview: Buffer): Promise<Buffer> {
  const small = await sharp({ create: { width: 16, height: 10, channels: 3, background: '#888' } }).jpeg().toBuffer();
  const payload = Buffer.concat([small, preview]);
  const meta = await sharp(preview).metadata();
  return tiff(
    [
      { tag: 254, type: 4, value: 1 },
      { tag: 256, type: 4, value: meta.width! },
      { tag: 257, type: 4, value: meta.height! },
      { tag: 258, type: 3, value: [8, 8, 8] },
      { tag: 259, type: 3, value: 7 },
      { tag: 262, type: 3, value: 6 },
      { tag: 271, type: 2, value: 'Acme' },
      { tag: 272, type: 2, value: 'Fixture DNG' },
      { tag: 273, type: 4, value: -1 },
      { tag: 274, type: 3, value: 6 },
      { tag: 277, type: 3, value: 3 },
      { tag: 278, type: 4, value: meta.height! },
      { tag: 279, type: 4, value: payload.length },
      { tag: 306, type: 2, value: '2023:05:04 10:11:12' },
      { tag: 50706, type: 1, value: [1, 4, 0, 0] },
      { tag: 50708, type: 2, value: 'Acme Fixture DNG' },
    ],
    payload,
  );
}

function heic(upright: Buffer): void {
  heifEnc(upright, path.join(media, 'sample.heic'), 60);
}

/** Encodes a PNG with Debian's heif-enc (sharp's prebuilt libvips cannot write HEIC); warns when it is missing. */
function heifEnc(png: Buffer, out: string, quality: number): void {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fixtures-'));
  try {
    const input = path.join(tmp, 'in.png');
    fs.writeFileSync(input, png);
    execFileSync('heif-enc', ['-q', String(quality), '-o', out, input], { stdio: 'ignore' });
  } catch {
    if (!fs.existsSync(out)) console.warn(`heif-enc (Debian: libheif-examples) is missing: ${path.basename(out)} not made`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The same picture as p3.jpg in two Display P3 HEICs: p3.heic embeds the ICC profile (as iPhones do), p3-nclx.heic
 * states P3 by nclx code points only (primaries 12, sRGB transfer 13, BT.601 matrix 6); p3-nclx.avif is the AVIF
 * counterpart of the latter. Their pixels are P3 values,
 * so a thumbnail that ignored the colour information would come out visibly off (sRGB green reads as P3 117,251,76).
 */
async function heicP3(upright: Buffer): Promise<void> {
  const out = path.join(media, 'p3.heic');
  heifEnc(await sharp(upright).withIccProfile('p3').png().toBuffer(), out, 90);
  // heif-enc 1.15 writes no nclx box for HEIC whatever its --colour_primaries says, so the nclx variant is p3.heic
  // with its ICC property swapped for an nclx one.
  if (fs.existsSync(out)) write(path.join(media, 'p3-nclx.heic'), iccToNclx(fs.readFileSync(out), [12, 13, 6]));
  // AVIF, which sharp decodes itself: it converts from an ICC profile but not from nclx code points.
  write(path.join(media, 'p3-nclx.avif'), iccToNclx(await sharp(upright).withIccProfile('p3').avif({ quality: 90 }).toBuffer(), [12, 13, 6]));
}

/**
 * Replaces the ICC 'colr' property of a HEIF with an nclx 'colr' (primaries, transfer, matrix; full range) followed
 * by a 'free' box filling the rest of its bytes, so no offset in the file moves. The free box is one more child of
 * ipco, so ipma's property indices after it go up by one.
 */
function iccToNclx(heic: Buffer, [primaries, transfer, matrix]: [number, number, number]): Buffer {
  const out = Buffer.from(heic);
  const meta = childBoxes(out, 0, out.length).find((b) => b.type === 'meta')!;
  const iprp = childBoxes(out, meta.start + 4, meta.end).find((b) => b.type === 'iprp')!;
  const inIprp = childBoxes(out, iprp.start, iprp.end);
  const ipco = inIprp.find((b) => b.type === 'ipco')!;
  const ipma = inIprp.find((b) => b.type === 'ipma')!;
  const properties = childBoxes(out, ipco.start, ipco.end);
  const index = properties.findIndex((b) => b.type === 'colr' && ['prof', 'rICC'].includes(out.toString('latin1', b.start, b.start + 4))) + 1;
  if (index === 0) throw new Error('no ICC colr property to replace');
  const colr = properties[index - 1]!;
  const at = colr.start - 8;
  const total = colr.end - at;
  const nclx = Buffer.alloc(19);
  nclx.writeUInt32BE(19, 0);
  nclx.write('colrnclx', 4, 'latin1');
  nclx.writeUInt16BE(primaries, 12);
  nclx.writeUInt16BE(transfer, 14);
  nclx.writeUInt16BE(matrix, 16);
  nclx[18] = 0x80; // full range
  const free = Buffer.alloc(total - 19);
  free.writeUInt32BE(free.length, 0);
  free.write('free', 4, 'latin1');
  Buffer.concat([nclx, free]).copy(out, at);
  // ipma: version 0 (16-bit item ids), flags bit 0 clear (7-bit property indices under an "essential" bit).
  if (out[ipma.start] !== 0 || (out[ipma.start + 3]! & 1) !== 0) throw new Error('unexpected ipma layout');
  let p = ipma.start + 8;
  for (let n = out.readUInt32BE(ipma.start + 4); n > 0; n--) {
    p += 2;
    for (let count = out[p++]!; count > 0; count--, p++) {
      if ((out[p]! & 0x7f) > index) out[p]! += 1;
    }
  }
  return out;
}

/** A few small "photos" with metadata, one sidecar, a PNG and a nested folder: the README's example library. */
async function makePhotos(): Promise<void> {
  const scene = (top: string, bottom: string) =>
    sharp({ create: { width: 480, height: 320, channels: 3, background: bottom } })
      .composite([{ input: { create: { width: 480, height: 160, channels: 3, background: top } }, left: 0, top: 0 }])
      .png()
      .toBuffer();
  const withExif = (date: string, model: string, gps?: [string, string, string, string]) => ({
    IFD0: { Make: 'Acme', Model: model },
    IFD2: { DateTimeOriginal: date, OffsetTimeOriginal: '+01:00' },
    ...(gps ? { IFD3: { GPSLatitudeRef: gps[0], GPSLatitude: gps[1], GPSLongitudeRef: gps[2], GPSLongitude: gps[3] } } : {}),
  });
  write(path.join(photos, 'beach.jpg'), await sharp(await scene('#6cb6ff', '#e8d39a')).withExif(withExif('2023:07:14 16:05:00', 'Pocket 2', ['N', '43/1 41/1 0/1', 'E', '7/1 15/1 0/1'])).jpeg({ quality: 75 }).toBuffer());
  write(path.join(photos, 'forest.jpg'), await sharp(await scene('#2e6b30', '#4a3520')).withExif(withExif('2023:10:02 09:12:30', 'Pocket 2')).jpeg({ quality: 75 }).toBuffer());
  write(
    path.join(photos, 'portrait-rotated.jpg'),
    // An upright portrait (sky on top) stored sideways, as a camera held on its side records it.
    await sharp(await sharp(await scene('#f4a261', '#264653')).resize(320, 480, { fit: 'fill' }).rotate(270).png().toBuffer())
      .withExif(withExif('2024:01:20 12:00:00', 'Pocket 3'))
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 75 })
      .toBuffer(),
  );
  write(path.join(photos, '2024', 'trip', 'mountain.jpg'), await sharp(await scene('#dfe7fd', '#7b8794')).withExif(withExif('2024:08:03 07:45:10', 'Pocket 3', ['N', '46/1 33/1 0/1', 'E', '7/1 58/1 0/1'])).jpeg({ quality: 75 }).toBuffer());
  write(path.join(photos, '2024', 'trip', 'mountain.jpg.xmp'), xmp.packet([xmp.simple('xmp:Rating', '4'), xmp.alt('dc:title', 'Morning above the clouds'), xmp.bag('dc:subject', ['mountain', 'trip'])].join('\n')));
  write(path.join(photos, '2024', 'trip', 'map.png'), await sharp(await scene('#ffffff', '#cccccc')).resize(240, 160).png().toBuffer());
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await makeMedia();
  await makePhotos();
  await makeVideoFixtures();
  console.log(`fixtures written under ${path.join(repo, 'fixtures')}`);
}
