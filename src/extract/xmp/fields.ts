/** Reads the XMP fields we index from a parsed packet, and merges sidecar over embedded values. Pure. */
import type { XmlNode } from './parse.js';

const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
const XMP = 'http://ns.adobe.com/xap/1.0/';
const DC = 'http://purl.org/dc/elements/1.1/';
const LR = 'http://ns.adobe.com/lightroom/1.0/';
const DIGIKAM = 'http://www.digikam.org/ns/1.0/';
const MWG_RS = 'http://www.metadataworkinggroup.com/schemas/regions/';
const MP_REG = 'http://ns.microsoft.com/photo/1.2/t/Region#';
const XML_LANG = 'http://www.w3.org/XML/1998/namespace' + 'lang';

export interface XmpFields {
  /** -1 (rejected) .. 5 */
  rating: number | null;
  label: string | null;
  title: string | null;
  description: string | null;
  keywords: string[];
  /** '|'-separated paths */
  hierarchical: string[];
  creator: string | null;
  rights: string | null;
  /** MWG (or Microsoft) region names */
  people: string[];
}

export function readFields(root: XmlNode): XmpFields {
  // An absent rating is null, not 0 (Number(null) would say "unrated" for every packet without one).
  const ratingText = simple(root, XMP + 'Rating');
  const rating = ratingText === null ? NaN : Number(ratingText);
  const hierarchical = list(root, LR + 'hierarchicalSubject');
  return {
    rating: Number.isFinite(rating) && rating >= -1 && rating <= 5 ? Math.round(rating) : null,
    label: simple(root, XMP + 'Label'),
    title: alt(root, DC + 'title'),
    description: alt(root, DC + 'description'),
    keywords: list(root, DC + 'subject'),
    // digiKam writes its tag tree with '/' when Lightroom's field is absent.
    hierarchical: hierarchical.length ? hierarchical : list(root, DIGIKAM + 'TagsList').map((t) => t.split('/').join('|')),
    creator: joined(list(root, DC + 'creator')),
    rights: alt(root, DC + 'rights'),
    people: unique([...allValues(root, MWG_RS + 'Name'), ...allValues(root, MP_REG + 'PersonDisplayName')]),
  };
}

/** Sidecar values win field by field; embedded values fill the gaps. */
export function mergeFields(embedded: XmpFields | null, sidecar: XmpFields | null): XmpFields | null {
  if (!embedded) return sidecar;
  if (!sidecar) return embedded;
  const pick = <T>(s: T, e: T): T => (Array.isArray(s) ? (s.length ? s : e) : s ?? e);
  return {
    rating: pick(sidecar.rating, embedded.rating),
    label: pick(sidecar.label, embedded.label),
    title: pick(sidecar.title, embedded.title),
    description: pick(sidecar.description, embedded.description),
    keywords: pick(sidecar.keywords, embedded.keywords),
    hierarchical: pick(sidecar.hierarchical, embedded.hierarchical),
    creator: pick(sidecar.creator, embedded.creator),
    rights: pick(sidecar.rights, embedded.rights),
    people: pick(sidecar.people, embedded.people),
  };
}

/**
 * Local names of every property readFields looks at, as they appear in markup: after a prefix's colon, or right
 * after '<' for a default namespace. A packet in which none appears yields no fields, so it need not be parsed at
 * all: most camera and editor packets hold only tool names, dates and edit history. Keep in step with readFields.
 */
const FIELD_NAMES = /[:<](?:Rating|Label|title|description|subject|hierarchicalSubject|TagsList|creator|rights|Name|PersonDisplayName)[\s=>/]/;

/** False when the packet cannot hold any field readFields reads (a cheap text test that spares the parse). */
export function mayHoldFields(xml: string): boolean {
  return FIELD_NAMES.test(xml);
}

export function isEmpty(f: XmpFields): boolean {
  return Object.values(f).every((v) => v === null || (Array.isArray(v) && v.length === 0));
}

/** First property with this name: an attribute on a description, or an element. */
function find(node: XmlNode, name: string): { attr: string } | { el: XmlNode } | null {
  const a = node.attrs.get(name);
  if (a !== undefined) return { attr: a };
  for (const child of node.children) {
    if (child.name === name) return { el: child };
    const found = find(child, name);
    if (found) return found;
  }
  return null;
}

function simple(root: XmlNode, name: string): string | null {
  const p = find(root, name);
  if (!p) return null;
  return clean('attr' in p ? p.attr : p.el.text);
}

/** A language alternative: x-default, else the first entry. */
function alt(root: XmlNode, name: string): string | null {
  const p = find(root, name);
  if (!p) return null;
  if ('attr' in p) return clean(p.attr);
  const items = items_(p.el);
  if (!items.length) return clean(p.el.text);
  const preferred = items.find((li) => li.attrs.get(XML_LANG) === 'x-default') ?? items[0]!;
  return clean(preferred.text);
}

/** A bag or sequence (or a single value written without a container). */
function list(root: XmlNode, name: string): string[] {
  const p = find(root, name);
  if (!p) return [];
  if ('attr' in p) return unique([p.attr]);
  const items = items_(p.el);
  return unique(items.length ? items.map((li) => li.text) : [p.el.text]);
}

function items_(el: XmlNode): XmlNode[] {
  const container = el.children.find((c) => c.name === RDF + 'Bag' || c.name === RDF + 'Seq' || c.name === RDF + 'Alt');
  return (container ?? el).children.filter((c) => c.name === RDF + 'li');
}

/** Every value of a property anywhere in the packet (region names repeat once per region). */
function allValues(node: XmlNode, name: string, out: string[] = []): string[] {
  const a = node.attrs.get(name);
  if (a !== undefined) out.push(a);
  for (const child of node.children) {
    if (child.name === name) out.push(child.text);
    allValues(child, name, out);
  }
  return out;
}

function clean(s: string | undefined): string | null {
  const t = (s ?? '').trim();
  return t === '' ? null : t;
}

function joined(values: string[]): string | null {
  return values.length ? values.join('; ') : null;
}

function unique(values: string[]): string[] {
  return [...new Set(values.map((v) => v.trim()).filter((v) => v !== ''))];
}
