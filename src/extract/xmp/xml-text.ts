/** Name and text rules shared by both XML readers (parse.ts): prefix expansion and the few entities XML defines. */

/**
 * Hostile-input bounds shared by both readers. Real XMP nests about a dozen elements deep and declares a few dozen
 * namespaces; each element that declares one copies its scope, so deep nesting times many declarations is quadratic
 * (a 756 KB sidecar of 20,000 nested declaring elements cost 4.4 GB). 100 is fast-xml-parser's own maxNestedTags.
 */
export const XML_MAX_DEPTH = 100;
export const XML_MAX_NAMESPACE_DECLARATIONS = 1000;

/** The one-line reason for a document over the bounds above. */
export function tooDeepReason(): string {
  return `it nests elements more than ${XML_MAX_DEPTH} deep (refused: real XMP is a dozen deep)`;
}
export function tooManyNamespacesReason(): string {
  return `it declares more than ${XML_MAX_NAMESPACE_DECLARATIONS} namespaces (refused: real XMP declares a few dozen)`;
}

/** "<namespace URI><local name>"; an unprefixed attribute has no namespace, an unprefixed element the default one. */
export function expand(qname: string, scope: Map<string, string>, isElement: boolean): string {
  const colon = qname.indexOf(':');
  if (colon < 0) return (isElement ? (scope.get('') ?? '') : '') + qname;
  const prefix = qname.slice(0, colon);
  return (scope.get(prefix) ?? `${prefix}:`) + qname.slice(colon + 1);
}

/** The five XML entities and character references; anything else stays as written (never expanded). */
export function decodeText(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    switch (e) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
    }
    const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });
}
