/** `search --html FILE`: a self-contained contact sheet (thumbnails, scores, paths) for people who would rather look. */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SearchResult } from './search.js';

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** One thumbnail linking to its file, with a caption (HTML) above the file's name and folder. */
export function sheetCell(file: string, thumbPath: string | null, captionHtml: string, className = ''): string {
  const href = pathToFileURL(file).href;
  const img = pathToFileURL(thumbPath ?? file).href;
  return `<figure${className ? ` class="${className}"` : ''}><a href="${escapeHtml(href)}"><img loading="lazy" src="${escapeHtml(img)}" alt=""></a>
<figcaption>${captionHtml} ${escapeHtml(path.basename(file))}<br><small>${escapeHtml(path.dirname(file))}</small></figcaption></figure>`;
}

/** The page around grids of cells (`<main>` elements); `extraCss` styles what a caller adds. */
export function sheetPage(title: string, bodyHtml: string, extraCss = ''): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:1em;background:#111;color:#eee}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:12px}
figure{margin:0;background:#222;padding:6px;border-radius:6px}
img{width:100%;height:200px;object-fit:contain;background:#000}
figcaption{font-size:12px;word-break:break-all}a{color:inherit}
${extraCss}</style></head><body>
${bodyHtml}
</body></html>
`;
}

/**
 * Why FILE cannot take the contact sheet (a folder, a folder that does not exist), or null. Checked before the search
 * runs, so a typo costs nothing and creates no folders.
 */
export function contactSheetProblem(file: string): string | null {
  const target = path.resolve(file);
  try {
    if (fs.statSync(target).isDirectory()) return `--html ${file} is a folder: give a file name, e.g. ${path.join(file, 'search.html')}`;
  } catch {
    // Not there yet: the usual case.
  }
  const folder = path.dirname(target);
  if (!fs.existsSync(folder)) return `--html ${file}: the folder ${folder} does not exist`;
  return null;
}

function contactSheet(query: string, results: SearchResult[]): string {
  const cells = results.map((r) => sheetCell(r.path, r.thumbPath, `<b>${r.score.toFixed(3)}</b>`)).join('\n');
  return sheetPage(`indexer search: ${query}`, `<h1>${escapeHtml(query)}</h1><p>${results.length} results, best first</p>\n<main>\n${cells}\n</main>`);
}

/** Writes a page atomically (temp file + rename) so a viewer never sees half of it. */
export function writeHtmlFile(file: string, html: string): void {
  const target = path.resolve(file);
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, html);
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

export function writeContactSheet(file: string, query: string, results: SearchResult[]): void {
  writeHtmlFile(file, contactSheet(query, results));
}
