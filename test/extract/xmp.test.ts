import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { run, type XmpValue } from '../../src/extract/xmp/work.js';
import { parseXmp } from '../../src/extract/xmp/parse.js';
import { readFields } from '../../src/extract/xmp/fields.js';
import { xmpStage } from '../../src/extract/xmp/stage.js';
import { getXmp } from '../../src/catalog/metadata.js';
import type { StageOutcome } from '../../src/extract/stage.js';
import { catalogWithFile, media, taskInput, tempDir } from './helpers.js';
import { stageConfig } from '../../src/extract/registry.js';

function done(outcome: StageOutcome<XmpValue>): NonNullable<XmpValue> {
  assert.equal(outcome.status, 'done', JSON.stringify(outcome));
  const v = (outcome as { value: XmpValue }).value;
  assert.ok(v);
  return v;
}

function failedReason(outcome: StageOutcome<XmpValue>): string {
  assert.equal(outcome.status, 'failed', JSON.stringify(outcome));
  assert.equal((outcome as { retryable?: boolean }).retryable, false);
  return (outcome as { reason: string }).reason;
}

const packet = (body: string) =>
  `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">${body}</rdf:RDF></x:xmpmeta>`;

test('embedded XMP fields: rating, label, title, description, keywords, hierarchy, creator, rights, region names', async () => {
  const v = done(await run(taskInput(media('embedded-xmp.jpg'))));
  assert.deepEqual(v, {
    rating: 2,
    label: 'Red',
    title: 'Quadrants',
    description: 'Four colours & a test',
    keywords: ['colour', 'test'],
    hierarchical: ['Tests|Colour'],
    creator: 'Fixture Maker',
    rights: 'CC0',
    people: ['Alice', 'Bob'],
    source: 'embedded',
  });
});

test('sidecar values override embedded ones field by field', async () => {
  const file = media('sidecar-double.jpg');
  const v = done(await run(taskInput(file, { sidecarPath: file + '.xmp' })));
  assert.equal(v.source, 'both');
  assert.equal(v.rating, 5);
  assert.deepEqual(v.keywords, ['from-sidecar']);
  assert.equal(v.title, 'Quadrants', 'fields the sidecar lacks come from the embedded packet');
  const single = done(await run(taskInput(media('sidecar-single.jpg'), { sidecarPath: media('sidecar-single.xmp') })));
  assert.deepEqual([single.source, single.rating, single.title], ['sidecar', 4, 'Single']);
});

test('a file without any XMP gives no value', async () => {
  assert.deepEqual(await run(taskInput(media('gps.jpg'))), { status: 'done', value: null });
});

test('namespace prefixes are resolved by URI, attributes and elements both work', () => {
  const r = parseXmp(
    packet(
      `<rdf:Description xmlns:a="http://ns.adobe.com/xap/1.0/" xmlns:d="http://purl.org/dc/elements/1.1/" a:Rating="3" a:Label="Blue">
        <d:subject><rdf:Bag><rdf:li>k&amp;1</rdf:li><rdf:li>k&#233;2</rdf:li></rdf:Bag></d:subject>
        <d:title><rdf:Alt><rdf:li xml:lang="de">Titel</rdf:li><rdf:li xml:lang="x-default">Title</rdf:li></rdf:Alt></d:title>
      </rdf:Description>`,
    ),
  );
  assert.ok(r.ok);
  const f = readFields(r.root);
  assert.deepEqual([f.rating, f.label, f.title, f.keywords], [3, 'Blue', 'Title', ['k&1', 'ké2']]);
});

test('entities are never expanded and DTDs are refused', async () => {
  const dir = tempDir('xmp');
  const image = path.join(dir, 'a.jpg');
  fs.copyFileSync(media('sidecar-single.jpg'), image);
  const sidecar = path.join(dir, 'a.xmp');
  fs.writeFileSync(
    sidecar,
    `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd"><!ENTITY a "aaaaaaaaaa">]>` +
      packet(`<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&e;&a;</dc:title></rdf:Description>`),
  );
  assert.match(failedReason(await run(taskInput(image, { sidecarPath: sidecar }))), /a\.xmp: sidecar is not valid XMP: .*DTD/);
  const unknown = parseXmp(packet(`<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:rights>&unknown;</dc:rights></rdf:Description>`));
  if (unknown.ok) assert.equal(readFields(unknown.root).rights, '&unknown;');
});

test('malformed and oversized sidecars fail with a reason naming the sidecar', async () => {
  const dir = tempDir('xmp');
  const image = path.join(dir, 'b.jpg');
  fs.copyFileSync(media('sidecar-single.jpg'), image);
  const bad = path.join(dir, 'b.jpg.xmp');
  fs.writeFileSync(bad, '<x:xmpmeta><rdf:RDF><rdf:Description></rdf:RDF>');
  assert.match(failedReason(await run(taskInput(image, { sidecarPath: bad }))), /b\.jpg\.xmp: sidecar is not valid XMP: malformed/);
  const huge = path.join(dir, 'huge.xmp');
  fs.writeFileSync(huge, '');
  fs.truncateSync(huge, 100 * 1024 * 1024); // sparse: 100 MB on paper, nothing on disk
  assert.match(failedReason(await run(taskInput(image, { sidecarPath: huge }))), /huge\.xmp: sidecar is 104857600 bytes, over the .* limit/);
});

test('UTF-16 sidecars are read', async () => {
  const dir = tempDir('xmp');
  const sidecar = path.join(dir, 'c.xmp');
  const text = packet(`<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="1"/>`);
  fs.writeFileSync(sidecar, Buffer.from(text, 'utf16le'));
  const v = done(await run(taskInput(media('sidecar-single.jpg'), { sidecarPath: sidecar })));
  assert.equal(v.rating, 1);
});

test('the stage re-runs on sidecar changes, accepts videos, and commit writes JSON arrays or clears the row', async () => {
  const stage = xmpStage(stageConfig({ cacheDir: '/unused', env: {}, options: {} }))!;
  assert.equal(stage.fingerprintExtra, 'sidecar');
  assert.deepEqual(stage.accepts({ kind: 'video', ext: 'mp4' }), { ok: true });
  const file = media('embedded-xmp.jpg');
  const v = done(await run(taskInput(file)));
  const { db, fileId } = catalogWithFile(file);
  const target = { taskId: 1, fileId, identity: 'x' };
  db.transaction(() => stage.commit(db, target, v))();
  const row = getXmp(db, fileId)!;
  assert.deepEqual([row.rating, JSON.parse(row.keywords!), JSON.parse(row.people!), row.source], [2, ['colour', 'test'], ['Alice', 'Bob'], 'embedded']);
  db.transaction(() => stage.commit(db, target, null))();
  assert.equal(getXmp(db, fileId), null);
  db.close();
});

test('embedded packets with small XML faults are still read; the same fault in a sidecar fails', () => {
  const faulty = packet(
    `<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/" xmp:Rating="3"><exif:TIFF/EPStandardID>1</exif:TIFF/EPStandardID></rdf:Description>`,
  );
  const lenient = parseXmp(faulty, { strict: false });
  assert.ok(lenient.ok);
  assert.equal(readFields(lenient.root).rating, 3);
  assert.equal(parseXmp(faulty).ok, false);
});

test('a packet without a rating reads rating null (not 0); one naming none of our fields gives no XMP at all', async () => {
  const noRating = parseXmp(packet(`<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Label="Red"/>`));
  assert.ok(noRating.ok);
  assert.deepEqual([readFields(noRating.root).rating, readFields(noRating.root).label], [null, 'Red']);
  // Only tool names and dates (most camera packets), embedded in a JPEG: the stage's value is null, as without XMP.
  const dir = tempDir('xmp');
  const jpeg = fs.readFileSync(media('sidecar-single.jpg'));
  const withPacket = (name: string, attrs: string) => {
    const payload = Buffer.concat([
      Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1'),
      Buffer.from(packet(`<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" ${attrs}/>`)),
    ]);
    const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]), payload]);
    const file = path.join(dir, name);
    fs.writeFileSync(file, Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2)]));
    return file;
  };
  const tools = 'xmp:CreatorTool="Cam 1.0" xmp:ModifyDate="2020-01-01T00:00:00"';
  const outcome = await run(taskInput(withPacket('tools.jpg', tools)));
  assert.equal(outcome.status, 'done');
  assert.equal((outcome as { value: XmpValue }).value, null);
  // The same packet with a rating does give one (the packet was found and read).
  assert.equal(done(await run(taskInput(withPacket('rated.jpg', `xmp:Rating="3" ${tools}`)))).rating, 3);
});
