/**
 * Generates the video fixtures (committed; called by make-fixtures.ts, or alone: `node dist/scripts/make-video-fixtures.js`)
 * with Debian's ffmpeg, each a few KB to a few tens of KB:
 * - fixtures/videos/: an iPhone-style MOV with Apple Keys metadata (creation date with offset, ISO 6709 GPS, make,
 *   model), an Android-style MP4 with `©xyz` GPS and a UTC header time, a rotated clip, HEVC, WebM (VP9), MKV, a clip
 *   with a black intro, an Apple Live Photo pair (HEIC + short HEVC MOV of the same name), Google and Samsung motion
 *   photos, and broken ones (truncated, zero bytes, random bytes, text named .mov, bit flips, an unknown codec);
 * - fixtures/photos/2024/trip/waves.mp4: a clip in the README's example library.
 * Without ffmpeg it says so and keeps the committed files.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const videos = path.join(repo, 'fixtures', 'videos');
const photos = path.join(repo, 'fixtures', 'photos');

/** Small, cheap to decode, and still a picture with detail (testsrc2 moves, so frames differ). */
const SMALL = ['-c:v', 'libx264', '-preset', 'medium', '-crf', '38', '-pix_fmt', 'yuv420p'];
const HEVC = ['-c:v', 'libx265', '-preset', 'medium', '-crf', '38', '-tag:v', 'hvc1', '-x265-params', 'log-level=error'];

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

const pattern = (seconds: number, size = '160x120', rate = 15) => ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}:duration=${seconds}`];
const out = (name: string) => path.join(videos, name);

function goodClips(): void {
  // iPhone: Keys atoms; the header time is one second off the Apple date, so a test sees which one was read.
  ffmpeg([
    ...pattern(2),
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', ...SMALL, '-c:a', 'aac', '-b:a', '16k', '-movflags', 'use_metadata_tags'],
    ...['-metadata', 'com.apple.quicktime.creationdate=2023-07-14T18:22:05+0200'],
    ...['-metadata', 'com.apple.quicktime.location.ISO6709=+48.8584+002.2945+035.000/'],
    ...['-metadata', 'com.apple.quicktime.make=Apple', '-metadata', 'com.apple.quicktime.model=iPhone 13'],
    ...['-metadata', 'creation_time=2023-07-14T16:22:06Z', out('iphone.mov')],
  ]);
  // Android: `©xyz` user data and a UTC header time (what MediaMuxer writes).
  ffmpeg([...pattern(2), ...SMALL, '-metadata', 'location=-33.8688+151.2093/', '-metadata', 'creation_time=2022-03-01T09:30:00.000000Z', out('android.mp4')]);
  // Rotated: stored landscape, shown portrait (display matrix set by stream copy, as ffmpeg 5 only does it so).
  const tmp = path.join(os.tmpdir(), `indexer-rot-${process.pid}.mp4`);
  ffmpeg([...pattern(2, '192x108'), ...SMALL, tmp]);
  ffmpeg(['-i', tmp, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', out('rotated.mp4')]);
  fs.rmSync(tmp, { force: true });
  ffmpeg([...pattern(2), ...HEVC, out('hevc.mov')]);
  ffmpeg([...pattern(1), '-c:v', 'libvpx-vp9', '-crf', '50', '-b:v', '0', out('vp9.webm')]);
  ffmpeg([...pattern(1), ...SMALL, out('h264.mkv')]);
  // Two black seconds, then the picture: the poster must come from the picture.
  ffmpeg([
    ...['-f', 'lavfi', '-i', 'color=black:size=160x120:rate=15:duration=2', ...pattern(2)],
    ...['-filter_complex', '[0][1]concat=n=2:v=1', ...SMALL, out('black-intro.mp4')],
  ]);
}

/** An Apple Live Photo: a HEIC still and a short HEVC clip of the same name (under a second, like many). */
async function livePhoto(): Promise<void> {
  ffmpeg([...pattern(0.6), ...HEVC, '-metadata', 'creation_time=2024-05-01T10:00:00Z', out('IMG_0001.MOV')]);
  const png = path.join(os.tmpdir(), `indexer-live-${process.pid}.png`);
  ffmpeg([...pattern(0.1), '-frames:v', '1', png]);
  try {
    execFileSync('heif-enc', ['-q', '40', '-o', out('IMG_0001.HEIC'), png], { stdio: 'ignore' });
  } catch {
    console.warn('heif-enc (Debian: libheif-examples) is missing: IMG_0001.HEIC not made');
  } finally {
    fs.rmSync(png, { force: true });
  }
}

/** A still JPEG of the clip's first frame. */
async function stillOf(clip: string): Promise<Buffer> {
  const png = path.join(os.tmpdir(), `indexer-still-${process.pid}.png`);
  ffmpeg(['-i', clip, '-frames:v', '1', png]);
  try {
    return await sharp(png).jpeg({ quality: 60 }).toBuffer();
  } finally {
    fs.rmSync(png, { force: true });
  }
}

/** Google (Camera XMP + Container directory, and the older MicroVideo) and Samsung (MotionPhoto_Data trailer). */
async function motionPhotos(): Promise<void> {
  const clip = path.join(os.tmpdir(), `indexer-motion-${process.pid}.mp4`);
  ffmpeg([...pattern(1.5), ...SMALL, clip]);
  const mp4 = fs.readFileSync(clip);
  const still = await stillOf(clip);
  fs.rmSync(clip, { force: true });
  const xmp = (body: string) =>
    `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">${body}</rdf:RDF></x:xmpmeta>`;
  const google = xmp(
    `<rdf:Description rdf:about="" xmlns:GCamera="http://ns.google.com/photos/1.0/camera/" ` +
      `xmlns:Container="http://ns.google.com/photos/1.0/container/" xmlns:Item="http://ns.google.com/photos/1.0/container/item/" ` +
      `GCamera:MotionPhoto="1" GCamera:MotionPhotoVersion="1" GCamera:MotionPhotoPresentationTimestampUs="500000">` +
      `<Container:Directory><rdf:Seq>` +
      `<rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="image/jpeg" Item:Semantic="Primary" Item:Length="0" Item:Padding="0"/></rdf:li>` +
      `<rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="video/mp4" Item:Semantic="MotionPhoto" Item:Length="${mp4.length}" Item:Padding="0"/></rdf:li>` +
      `</rdf:Seq></Container:Directory></rdf:Description>`,
  );
  fs.writeFileSync(out('PXL_motion.MP.jpg'), Buffer.concat([await sharp(still).withXmp(google).jpeg({ quality: 60 }).toBuffer(), mp4]));
  const micro = xmp(
    `<rdf:Description rdf:about="" xmlns:GCamera="http://ns.google.com/photos/1.0/camera/" ` +
      `GCamera:MicroVideo="1" GCamera:MicroVideoVersion="1" GCamera:MicroVideoOffset="${mp4.length}" GCamera:MicroVideoPresentationTimestampUs="0"/>`,
  );
  fs.writeFileSync(out('MVIMG_micro.jpg'), Buffer.concat([await sharp(still).withXmp(micro).jpeg({ quality: 60 }).toBuffer(), mp4]));
  // Samsung: after the JPEG, a SEF data block (padding, type, name length, "MotionPhoto_Data", the clip), then the
  // SEF directory: "SEFH", version, count, one entry (padding, type, offset back from SEFH, block length), its size, "SEFT".
  const name = Buffer.from('MotionPhoto_Data', 'latin1');
  const blockHead = Buffer.alloc(8);
  blockHead.writeUInt16LE(0x0a30, 2);
  blockHead.writeUInt32LE(name.length, 4);
  const block = Buffer.concat([blockHead, name, mp4]);
  const dir = Buffer.alloc(24);
  dir.write('SEFH', 0, 'latin1');
  dir.writeUInt32LE(107, 4);
  dir.writeUInt32LE(1, 8);
  dir.writeUInt16LE(0x0a30, 14);
  dir.writeUInt32LE(block.length, 16);
  dir.writeUInt32LE(block.length, 20);
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(dir.length, 0);
  tail.write('SEFT', 4, 'latin1');
  fs.writeFileSync(out('samsung_motion.jpg'), Buffer.concat([still, block, dir, tail]));
}

function brokenClips(): void {
  const good = fs.readFileSync(out('android.mp4'));
  fs.writeFileSync(out('broken-truncated.mp4'), good.subarray(0, Math.floor(good.length / 3)));
  fs.writeFileSync(out('broken-zero.mp4'), Buffer.alloc(0));
  fs.writeFileSync(out('broken-random.mov'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)));
  fs.writeFileSync(out('broken-text.mov'), 'this is not a video, only text named like one\n');
  // Bit flips all through the frame data: the container is intact, the pictures are not.
  const flipped = Buffer.from(fs.readFileSync(out('iphone.mov')));
  const mdat = flipped.indexOf('mdat', 0, 'latin1');
  for (let i = mdat + 64; i < flipped.length - 4096; i += 97) flipped[i]! ^= 0x5a;
  fs.writeFileSync(out('broken-bitflip.mov'), flipped);
  // A codec no decoder knows: the sample entry's four-character code renamed.
  const unknown = Buffer.from(good);
  const entry = unknown.indexOf('avc1', unknown.indexOf('stsd', 0, 'latin1'), 'latin1');
  unknown.write('zzzz', entry, 'latin1');
  fs.writeFileSync(out('broken-codec.mp4'), unknown);
}

/** A clip for the README's example library: blue water, so the tiny colour model can find it. */
function exampleClip(): void {
  ffmpeg([
    ...['-f', 'lavfi', '-i', 'gradients=size=192x108:rate=10:duration=2:c0=0x1060c0:c1=0x30a0ff:speed=0.05:nb_colors=2'],
    ...SMALL,
    ...['-metadata', 'creation_time=2024-08-03T08:10:00Z', path.join(photos, '2024', 'trip', 'waves.mp4')],
  ]);
}

export async function makeVideoFixtures(): Promise<void> {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
  } catch {
    console.warn('ffmpeg is missing (Debian: apt-get install ffmpeg): the committed video fixtures are kept');
    return;
  }
  fs.mkdirSync(videos, { recursive: true });
  goodClips();
  await livePhoto();
  await motionPhotos();
  brokenClips();
  exampleClip();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await makeVideoFixtures();
  console.log(`video fixtures written under ${videos}`);
}
