/**
 * The one module that talks to fast-xml-parser. XMP is parsed defensively: no DTDs, no entity expansion beyond the
 * five XML built-ins and character references, nothing fetched, and element names resolved to namespace URIs so
 * unusual prefixes still match.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { decodeText, expand, tooDeepReason, tooManyNamespacesReason, XML_MAX_DEPTH, XML_MAX_NAMESPACE_DECLARATIONS } from './xml-text.js';
import { parseXmlLite } from './xml-lite.js';
import { describeError } from '../../errors.js';

/** An element with expanded names ("<namespace URI><local name>"). */
export interface XmlNode {
  name: string;
  attrs: Map<string, string>;
  children: XmlNode[];
  text: string;
}

export type ParseResult = { ok: true; root: XmlNode } | { ok: false; error: string };

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/**
 * `strict` (sidecars, which people edit and should hear about) refuses XML that fails validation; otherwise
 * (embedded packets, which cameras and apps wrote and nobody can fix) a packet that only fails validation on small
 * things (an invalid tag name, trailing text) is still read when the parser can build a tree from it.
 */
export function parseXmp(xml: string, options: { strict: boolean } = { strict: true }): ParseResult {
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) return { ok: false, error: 'it declares a DTD or entities, which XMP never needs (refused)' };
  const packet = trimPacket(xml);
  if (!packet) return { ok: false, error: 'it is empty' };
  // The fast reader handles the plain XML that XMP nearly always is; anything it cannot read goes the full way. It runs
  // first because it also stops a hostile document (too deep, too many namespaces) before any other pass over it.
  const fast = parseXmlLite(packet, new Map([['xml', XML_NS]]));
  if (fast && 'refused' in fast) return { ok: false, error: fast.refused };
  // Validation is a second pass over the text: only strict mode needs it.
  const valid = options.strict ? XMLValidator.validate(packet) : true;
  if (valid !== true) return { ok: false, error: `malformed XML at line ${valid.err.line}: ${valid.err.msg}` };
  if (fast?.length) return { ok: true, root: { name: '', attrs: new Map(), children: fast, text: '' } };
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    removeNSPrefix: false,
    processEntities: false,
    htmlEntities: false,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    maxNestedTags: XML_MAX_DEPTH,
  });
  let raw: unknown[];
  try {
    raw = parser.parse(packet) as unknown[];
  } catch (err) {
    if (/maximum nested tags/i.test(describeError(err))) return { ok: false, error: tooDeepReason() };
    return { ok: false, error: `malformed XML: ${describeError(err)}` };
  }
  const root: XmlNode = { name: '', attrs: new Map(), children: [], text: '' };
  const budget = { declarations: XML_MAX_NAMESPACE_DECLARATIONS };
  root.children = convert(raw, new Map([['xml', XML_NS]]), budget);
  if (budget.declarations < 0) return { ok: false, error: tooManyNamespacesReason() };
  if (!root.children.length) {
    const why = XMLValidator.validate(packet);
    return { ok: false, error: why === true ? 'no XML elements in it' : `malformed XML at line ${why.err.line}: ${why.err.msg}` };
  }
  return { ok: true, root };
}

/** The x:xmpmeta (or bare rdf:RDF) element alone: padding, NULs and trailing bytes around it are dropped. */
function trimPacket(xml: string): string {
  const s = xml.replace(/\0/g, '').replace(/^\uFEFF/, '');
  for (const [open, close] of [
    ['<x:xmpmeta', '</x:xmpmeta>'],
    ['<x:xapmeta', '</x:xapmeta>'],
    ['<rdf:RDF', '</rdf:RDF>'],
  ] as const) {
    const start = s.indexOf(open);
    const end = s.lastIndexOf(close);
    if (start >= 0 && end > start) return s.slice(start, end + close.length);
  }
  return s.replace(/<\?xpacket[^>]*\?>/g, '').trim();
}

/**
 * preserveOrder output -> XmlNode tree, resolving prefixes with the xmlns declarations in scope. `budget` counts the
 * declarations still allowed; below zero the conversion stops (the caller refuses the document).
 */
function convert(items: unknown[], scope: Map<string, string>, budget: { declarations: number }): XmlNode[] {
  const out: XmlNode[] = [];
  for (const item of items) {
    if (budget.declarations < 0) return out;
    if (!item || typeof item !== 'object') continue;
    const rec = item as Record<string, unknown>;
    const rawAttrs = (rec[':@'] ?? {}) as Record<string, string>;
    // A new scope only where an element declares namespaces (most declare none).
    let local = scope;
    for (const [k, v] of Object.entries(rawAttrs)) {
      if (k !== 'xmlns' && !k.startsWith('xmlns:')) continue;
      if (--budget.declarations < 0) return out;
      if (local === scope) local = new Map(scope);
      local.set(k === 'xmlns' ? '' : k.slice(6), String(v));
    }
    for (const [key, value] of Object.entries(rec)) {
      if (key === ':@' || key === '#text') continue;
      const node: XmlNode = { name: expand(key, local, true), attrs: new Map(), children: [], text: '' };
      for (const [k, v] of Object.entries(rawAttrs)) {
        if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
        node.attrs.set(expand(k, local, false), decodeText(String(v)));
      }
      const kids = Array.isArray(value) ? value : [];
      node.text = kids
        .map((k) => (k && typeof k === 'object' && '#text' in k ? String((k as Record<string, unknown>)['#text']) : ''))
        .join('');
      node.text = decodeText(node.text);
      node.children = convert(kids, local, budget);
      out.push(node);
    }
  }
  return out;
}
