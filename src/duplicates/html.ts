/** `duplicates --html FILE`: each group side by side on the search contact sheet, the kept file marked. */
import { escapeHtml, sheetCell, sheetPage, writeHtmlFile } from '../search/html.js';
import type { DuplicateGroup } from './find.js';
import { scoreText } from './report.js';

export function writeDuplicatesPage(file: string, groups: DuplicateGroup[], thumbs: Map<number, string>): void {
  const sections = groups.map((g, i) => {
    const cells = g.files.map((f) => {
      const size = f.width && f.height ? `${f.width}x${f.height}, ` : '';
      const caption = `${f === g.keep ? '<b class="keep">KEEP</b> ' : ''}<small>${escapeHtml(size)}${escapeHtml(String(f.size))} bytes${f.takenAt ? ', ' + escapeHtml(f.takenAt) : ''}</small><br>`;
      return sheetCell(f.path, thumbs.get(f.id) ?? null, caption, f === g.keep ? 'keep' : '');
    });
    return `<h2>${i + 1}. ${escapeHtml(g.kind)} (${escapeHtml(scoreText(g))})</h2>\n<main>\n${cells.join('\n')}\n</main>`;
  });
  const body = `<h1>Duplicates</h1><p>${groups.length} groups; the file marked KEEP is the suggestion, nothing was deleted</p>\n${sections.join('\n')}`;
  writeHtmlFile(file, sheetPage('indexer duplicates', body, 'figure.keep{outline:3px solid #4c4}b.keep{color:#4c4}h2{font-size:16px;margin:1.2em 0 .4em}\n'));
}
