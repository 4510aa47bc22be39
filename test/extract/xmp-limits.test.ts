/** Hostile XMP: nesting and namespace bounds in both XML readers (issue 13 item 8). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseXmp } from '../../src/extract/xmp/parse.js';
import { readFields } from '../../src/extract/xmp/fields.js';
import { tempDir } from './helpers.js';

const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
const XMP = 'http://ns.adobe.com/xap/1.0/';

/** `depth` nested elements, each declaring its own namespace (the 756 KB sidecar of the issue at 20,000). */
function nestedDeclaring(depth: number, head = ''): string {
  const open: string[] = [];
  const close: string[] = [];
  for (let i = 0; i < depth; i++) {
    open.push(`<n${i}:e xmlns:n${i}="http://example.com/ns/${i}/">`);
    close.push(`</n${i}:e>`);
  }
  return `<x:xmpmeta xmlns:x="adobe:ns:meta/">${head}${open.join('')}${close.reverse().join('')}</x:xmpmeta>`;
}

test('a sidecar of 20,000 nested namespace-declaring elements fails with a depth reason inside a 100 MB heap', () => {
  const dir = tempDir('xmp-deep');
  try {
    const sidecar = path.join(dir, 'deep.xmp');
    fs.writeFileSync(sidecar, nestedDeclaring(20_000));
    assert.ok(fs.statSync(sidecar).size > 700_000);
    const work = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'extract', 'xmp', 'work.js');
    const script = `const { run } = await import(${JSON.stringify(work)});
      const out = await run({ taskId: 1, fileId: 1, stage: 'xmp', path: ${JSON.stringify(sidecar)}, kind: 'video', ext: 'mp4',
        size: 1, mtimeMs: 0, identity: 'x', sidecarPath: ${JSON.stringify(sidecar)}, cacheDir: ${JSON.stringify(dir)}, options: {} });
      process.stdout.write(JSON.stringify(out));`;
    // The old reader copied a growing namespace scope per element: gigabytes, so this heap cap kills it.
    const child = spawnSync(process.execPath, ['--max-old-space-size=96', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(child.status, 0, child.stderr.slice(-500));
    const outcome = JSON.parse(child.stdout) as { status: string; reason: string; retryable: boolean };
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.retryable, false);
    assert.match(outcome.reason, /deep\.xmp: sidecar is not valid XMP: it nests elements more than 100 deep/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('deep nesting is refused by the full parser too (a packet the fast reader hands over), strict or not', () => {
  // An unquoted attribute makes the fast reader hand the packet to fast-xml-parser.
  const xml = nestedDeclaring(150, `<rdf:RDF xmlns:rdf="${RDF}" odd=1/>`);
  for (const strict of [false, true]) {
    const parsed = parseXmp(xml, { strict });
    assert.equal(parsed.ok, false);
    if (!strict) assert.match((parsed as { error: string }).error, /more than 100 deep/);
  }
});

test('a flood of namespace declarations on shallow elements is refused by both readers', () => {
  const decls = Array.from({ length: 1500 }, (_, i) => `xmlns:p${i}="http://example.com/${i}/"`).join(' ');
  const body = `<rdf:RDF xmlns:rdf="${RDF}"><rdf:Description ${decls} xmlns:xmp="${XMP}" xmp:Rating="3"/></rdf:RDF>`;
  const fast = parseXmp(`<x:xmpmeta xmlns:x="adobe:ns:meta/">${body}</x:xmpmeta>`);
  assert.deepEqual(fast, { ok: false, error: 'it declares more than 1000 namespaces (refused: real XMP declares a few dozen)' });
  const viaFallback = parseXmp(`<x:xmpmeta xmlns:x="adobe:ns:meta/" odd=1>${body}</x:xmpmeta>`, { strict: false });
  assert.deepEqual(viaFallback, fast);
});

test('ordinary nesting and a few hundred namespaces still read', () => {
  const decls = Array.from({ length: 300 }, (_, i) => `xmlns:p${i}="http://example.com/${i}/"`).join(' ');
  const inner = `<rdf:Description ${decls} xmlns:xmp="${XMP}" xmp:Rating="4"/>`;
  let nested = inner;
  for (let i = 0; i < 60; i++) nested = `<rdf:Bag>${nested}</rdf:Bag>`;
  for (const body of [inner, `<rdf:Description xmlns:xmp="${XMP}" xmp:Label="Blue"/>${nested}`]) {
    const parsed = parseXmp(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="${RDF}">${body}</rdf:RDF></x:xmpmeta>`);
    assert.ok(parsed.ok, JSON.stringify(parsed));
    assert.ok(readFields(parsed.root).rating === 4 || readFields(parsed.root).label === 'Blue');
  }
});
