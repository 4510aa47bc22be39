/** Name and text rules shared by both XML readers (parse.ts): prefix expansion and the few entities XML defines. */

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
