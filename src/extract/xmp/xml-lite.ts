/**
 * A small, fast reader for well-formed XMP: elements, attributes, text, CDATA; comments and processing instructions
 * skipped; DOCTYPE and anything unusual refused (null), in which case the caller falls back to fast-xml-parser. It
 * builds the XmlNode tree directly (no intermediate object tree), which is most of the xmp stage's time otherwise.
 * Its output matches parse.ts's fast-xml-parser path: text segments trimmed and joined, names expanded by the
 * xmlns declarations in scope, the five XML entities and character references decoded, nothing else expanded.
 */
import type { XmlNode } from './parse.js';
import { decodeText, expand, tooDeepReason, tooManyNamespacesReason, XML_MAX_DEPTH, XML_MAX_NAMESPACE_DECLARATIONS } from './xml-text.js';

/** Attribute: name = "value" or 'value'. */
const ATTR = /\s*([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;
const NAME = /[^\s/>]+/y;

interface Open {
  qname: string;
  node: XmlNode;
  scope: Map<string, string>;
  texts: string[];
}

/** A document this reader refuses outright (over the hostile-input bounds): no other parser should try it either. */
export interface XmlRefused {
  refused: string;
}

/**
 * The document's top-level elements; null when the text is not plain well-formed XML this reader handles; XmlRefused
 * as soon as it nests deeper or declares more namespaces than the bounds in xml-text.ts (so it fails in microseconds).
 */
export function parseXmlLite(xml: string, rootScope: Map<string, string>): XmlNode[] | null | XmlRefused {
  const top: XmlNode[] = [];
  const stack: Open[] = [];
  let declarations = 0;
  let i = 0;
  const n = xml.length;
  // Text runs on across comments and processing instructions, and is trimmed as one segment (as fast-xml-parser does).
  let pending = '';
  const flush = (): boolean => {
    const text = pending.trim();
    pending = '';
    if (!text) return true;
    const cur = stack[stack.length - 1];
    if (!cur) return false; // text outside any element
    cur.texts.push(text);
    return true;
  };
  while (i < n) {
    const lt = xml.indexOf('<', i);
    pending += xml.slice(i, lt < 0 ? n : lt);
    if (lt < 0) break;
    const c = xml.charCodeAt(lt + 1);
    if (c === 0x3f /* ? */) {
      const end = xml.indexOf('?>', lt + 2);
      if (end < 0) return null;
      i = end + 2;
    } else if (c === 0x21 /* ! */) {
      if (xml.startsWith('<!--', lt)) {
        const end = xml.indexOf('-->', lt + 4);
        if (end < 0) return null;
        i = end + 3;
      } else if (xml.startsWith('<![CDATA[', lt)) {
        if (!flush()) return null;
        const end = xml.indexOf(']]>', lt + 9);
        const cur = stack[stack.length - 1];
        if (end < 0 || !cur) return null;
        cur.texts.push(xml.slice(lt + 9, end));
        i = end + 3;
      } else return null; // DOCTYPE or other declarations: not ours to read
    } else if (c === 0x2f /* / */) {
      if (!flush()) return null;
      const end = xml.indexOf('>', lt + 2);
      if (end < 0) return null;
      const name = xml.slice(lt + 2, end).trim();
      const open = stack.pop();
      if (!open || open.qname !== name) return null;
      close(open);
      i = end + 1;
    } else {
      if (!flush()) return null;
      const tag = readStartTag(xml, lt);
      if (!tag) return null;
      const { qname, raw, selfClosing } = tag;
      i = tag.next;
      const parent = stack[stack.length - 1];
      const inherited = parent ? parent.scope : rootScope;
      let scope = inherited;
      for (const [k, v] of raw) {
        if (k !== 'xmlns' && !k.startsWith('xmlns:')) continue;
        if (++declarations > XML_MAX_NAMESPACE_DECLARATIONS) return { refused: tooManyNamespacesReason() };
        if (scope === inherited) scope = new Map(scope);
        scope.set(k === 'xmlns' ? '' : k.slice(6), v.trim());
      }
      const node: XmlNode = { name: expand(qname, scope, true), attrs: new Map(), children: [], text: '' };
      for (const [k, v] of raw) {
        if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
        node.attrs.set(expand(k, scope, false), decodeText(v.trim()));
      }
      (parent ? parent.node.children : top).push(node);
      const open: Open = { qname, node, scope, texts: [] };
      if (selfClosing) close(open);
      else if (stack.push(open) > XML_MAX_DEPTH) return { refused: tooDeepReason() };
    }
  }
  return stack.length || !flush() ? null : top;
}

/** The start tag at `lt` (`<name attr="v" ...>` or `.../>`): its name, raw attributes and where it ends; null if malformed. */
function readStartTag(xml: string, lt: number): { qname: string; raw: [string, string][]; selfClosing: boolean; next: number } | null {
  NAME.lastIndex = lt + 1;
  const m = NAME.exec(xml);
  if (!m) return null;
  let p = NAME.lastIndex;
  const raw: [string, string][] = [];
  for (;;) {
    ATTR.lastIndex = p;
    const a = ATTR.exec(xml);
    if (!a) break;
    raw.push([a[1]!, a[2] ?? a[3] ?? '']);
    p = ATTR.lastIndex;
  }
  while (p < xml.length && isSpace(xml.charCodeAt(p))) p++;
  const selfClosing = xml.startsWith('/>', p);
  if (!selfClosing && xml.charCodeAt(p) !== 0x3e /* > */) return null;
  return { qname: m[0], raw, selfClosing, next: p + (selfClosing ? 2 : 1) };
}

function close(open: Open): void {
  open.node.text = decodeText(open.texts.join(''));
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}
