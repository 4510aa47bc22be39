/**
 * Text that comes from outside the program (an XMP packet's fields, a decoder's error message) may hold NUL bytes.
 * PostgreSQL refuses them in a text column outright (the whole commit would fail there), so the catalog stores
 * U+FFFD in their place on both backends: what was recorded reads back the same on either.
 */
export function storableText(text: string): string {
  return text.includes('\0') ? text.replace(/\0/g, '\uFFFD') : text;
}

export function storableTextOrNull(text: string | null | undefined): string | null {
  return text === null || text === undefined ? null : storableText(text);
}
