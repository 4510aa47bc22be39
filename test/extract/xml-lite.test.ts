/** The fast XMP reader (xml-lite.ts) against the fast-xml-parser path it stands in for, and what it refuses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXmlLite } from '../../src/extract/xmp/xml-lite.js';
import { parseXmp } from '../../src/extract/xmp/parse.js';
import { readFields } from '../../src/extract/xmp/fields.js';

const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
const XMP = 'http://ns.adobe.com/xap/1.0/';
const head = `<rdf:RDF xmlns:rdf="${RDF}" xmlns:xmp="${XMP}">`;
const scope = () => new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]);

test('reads elements, attributes, namespaces, entities, CDATA, and text split by comments as one trimmed run', () => {
  const xml = `${head}<rdf:Description xmp:Rating = "3" xmp:Label='a &amp; b'><xmp:Nickname>  x <!-- note --> y  </xmp:Nickname><xmp:Title><![CDATA[ <raw> ]]></xmp:Title><Plain xmlns="${XMP}">&#x41;&lt;</Plain><xmp:Empty/></rdf:Description></rdf:RDF>`;
  const top = parseXmlLite(xml, scope());
  assert.ok(Array.isArray(top));
  const desc = top[0]!.children[0]!;
  assert.equal(desc.name, RDF + 'Description');
  assert.equal(desc.attrs.get(XMP + 'Rating'), '3');
  assert.equal(desc.attrs.get(XMP + 'Label'), 'a & b');
  assert.deepEqual(
    desc.children.map((c) => [c.name, c.text]),
    [
      [XMP + 'Nickname', 'x  y'],
      [XMP + 'Title', ' <raw> '],
      [XMP + 'Plain', 'A<'],
      [XMP + 'Empty', ''],
    ],
  );
});

test('refuses what it does not handle (DOCTYPE, mismatched or unclosed tags, stray text), so the full parser decides', () => {
  for (const xml of [
    `<!DOCTYPE x><x/>`,
    `${head}<rdf:Description></xmp:Other></rdf:RDF>`,
    `${head}<rdf:Description>`,
    `text<x/>`,
    `${head}<rdf:Description xmp:Rating="3"</rdf:RDF>`,
  ]) {
    assert.equal(parseXmlLite(xml, scope()), null, xml);
  }
});

test('parseXmp reads a packet the fast reader refuses through the full parser (fallback)', () => {
  // An unquoted attribute: the fast reader refuses it, fast-xml-parser tolerates it in forgiving mode.
  const xml = `${head}<rdf:Description xmp:Odd=1 xmp:Rating="4"><xmp:Label>Red</xmp:Label></rdf:Description></rdf:RDF>`;
  assert.equal(parseXmlLite(xml, scope()), null);
  const parsed = parseXmp(xml, { strict: false });
  assert.ok(parsed.ok);
  const fields = readFields(parsed.root);
  assert.equal(fields.label, 'Red');
  assert.equal(fields.rating, 4);
});
