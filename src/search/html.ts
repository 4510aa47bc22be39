/** `search --html FILE`: a self-contained contact sheet (thumbnails, scores, paths) for people who would rather look. */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SearchResult } from './search.js';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function contactSheet(query: string, results: SearchResult[]): string {
  const cells = results
    .map((r) => {
      const href = pathToFileURL(r.path).href;
      const img = pathToFileURL(r.thumbPath ?? r.path).href;
      return `<figure><a href="${escape(href)}"><img loading="lazy" src="${escape(img)}" alt=""></a>
<figcaption><b>${r.score.toFixed(3)}</b> ${escape(path.basename(r.path))}<br><small>${escape(path.dirname(r.path))}</small></figcaption></figure>`;
    })
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>indexer search: ${escape(query)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:1em;background:#111;color:#eee}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:12px}
figure{margin:0;background:#222;padding:6px;border-radius:6px}
img{width:100%;height:200px;object-fit:contain;background:#000}
figcaption{font-size:12px;word-break:break-all}a{color:inherit}
</style></head><body>
<h1>${escape(query)}</h1><p>${results.length} results, best first</p>
<main>
${cells}
</main></body></html>
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

/** Writes the sheet atomically (temp file + rename) so a viewer never sees half a page; no temp file is left behind. */
export function writeContactSheet(file: string, query: string, results: SearchResult[]): void {
  const target = path.resolve(file);
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, contactSheet(query, results));
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
