/**
 * Human output is text for a terminal, and file names (and the reasons that quote them) may hold any byte a file
 * system allows: a newline forges an output line, an escape sequence moves the cursor, retitles the window or hides
 * text. Every human line goes through here; control characters are shown as `ls -b` shows them (`\n`, `\t`, `\033`),
 * never sent raw. JSON output needs none of this: JSON.stringify already escapes them.
 */

const NAMED: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\v': '\\v', '\f': '\\f', '\r': '\\r' };

/** C0 controls, DEL and C1 controls (U+0080-U+009F, which some terminals also obey). */
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;

/** One line of human output with every control character escaped (a newline inside it too). */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => NAMED[c] ?? octal(c));
}

/** Lines joined for output, each escaped; ends with a newline. */
export function displayLines(lines: readonly string[]): string {
  return lines.map(escapeControls).join('\n') + '\n';
}

/** The character's UTF-8 bytes as octal escapes (`\033`; U+009B -> `\302\233`), as ls -b prints them. */
function octal(c: string): string {
  return [...Buffer.from(c, 'utf8')].map((b) => '\\' + b.toString(8).padStart(3, '0')).join('');
}
