/**
 * Compares the exif stage with exiftool on a folder (default ../shared/corpus): date taken, GPS, make, model and
 * orientation, over the files exiftool reads. Prints agreement per field and every disagreement with both values.
 *   node dist/scripts/exif-accuracy.js [DIR]        (needs exiftool: Debian libimage-exiftool-perl)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../src/extract/exif/work.js';
import type { ExifRecord } from '../src/extract/exif/normalize.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const EXTENSIONS = /\.(jpe?g|png|webp|avif|gif|tiff?|heic|heif|dng|cr2|cr3|nef|arw|orf|rw2|raf)$/i;
const RAW = /\.(dng|cr2|cr3|nef|arw|orf|rw2|raf)$/i;
const FIELDS = ['date', 'gps', 'make', 'model', 'orientation'] as const;
type Field = (typeof FIELDS)[number];
type Values = Record<Field, string | null>;

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : e.isFile() && EXTENSIONS.test(e.name) ? [p] : [];
  });
}

/** One exiftool process for all files (-n: numbers; -G1: say which IFD each value came from). */
function exiftool(files: string[]): Map<string, Record<string, unknown>> {
  const args = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'exifacc-')), 'args');
  fs.writeFileSync(args, files.join('\n'));
  const tags = ['DateTimeOriginal', 'CreateDate', 'ModifyDate', 'GPSLatitude', 'GPSLatitudeRef', 'GPSLongitude', 'GPSLongitudeRef', 'Make', 'Model', 'Orientation'];
  // exiftool exits 1 when any file had an error; its JSON for the rest is still complete.
  const r = spawnSync('exiftool', ['-json', '-n', '-a', '-G1', '-q', '-q', '-charset', 'filename=utf8', ...tags.map((t) => `-${t}`), '-Error', '-FileType', '-@', args], {
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw new Error(`cannot run exiftool (Debian: apt-get install libimage-exiftool-perl): ${r.error.message}`);
  const rows = JSON.parse(r.stdout.toString('utf8') || '[]') as Record<string, unknown>[];
  return new Map(rows.map((row) => [String(row.SourceFile), row]));
}

const text = (v: unknown) => (v === undefined || v === null ? null : String(v).replace(/\0+$/, '').trim() || null);

/**
 * exiftool's values with the same tag priority the exif stage uses, from the main image's EXIF only: IFD0 (and the
 * EXIF sub-IFD) and GPS, not IFD1 (the embedded thumbnail's) nor XMP.
 */
function expected(r: Record<string, unknown>): Values {
  const pick = (tag: string, groups: string[]) => groups.map((g) => r[`${g}:${tag}`]).find((v) => v !== undefined && v !== '');
  const validDate = (v: unknown) => {
    const s = text(v);
    return s && /^\d{4}:\d{2}:\d{2} \d{2}:\d{2}(:\d{2})?/.test(s) && !s.startsWith('0000') ? s.slice(0, 19) : null;
  };
  const main = ['IFD0', 'ExifIFD'];
  const date = validDate(pick('DateTimeOriginal', main)) ?? validDate(pick('CreateDate', main)) ?? validDate(pick('ModifyDate', main));
  const latV = pick('GPSLatitude', ['GPS']), lonV = pick('GPSLongitude', ['GPS']);
  const lat = typeof latV === 'number' ? latV * (pick('GPSLatitudeRef', ['GPS']) === 'S' ? -1 : 1) : null;
  const lon = typeof lonV === 'number' ? lonV * (pick('GPSLongitudeRef', ['GPS']) === 'W' ? -1 : 1) : null;
  const gps = lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? `${lat},${lon}` : null;
  const o = pick('Orientation', ['IFD0']);
  const orientation = typeof o === 'number' && o >= 1 && o <= 8 ? String(o) : null;
  return { date, gps, make: text(pick('Make', main)), model: text(pick('Model', main)), orientation };
}

/** Same value, GPS within about a metre (the two round differently). */
function same(f: Field, a: string | null, b: string | null): boolean {
  if (f !== 'gps' || a === null || b === null) return a === b;
  const [la, lo] = a.split(',').map(Number), [lb, lo2] = b.split(',').map(Number);
  return Math.abs(la! - lb!) < 1e-5 && Math.abs(lo! - lo2!) < 1e-5;
}

function ours(v: ExifRecord | null): Values {
  if (!v) return { date: null, gps: null, make: null, model: null, orientation: null };
  const date = v.takenAtSource === 'mtime' ? null : v.takenAt.slice(0, 19).replace(/^(\d{4})-(\d{2})-(\d{2})T/, '$1:$2:$3 ');
  const gps = v.gpsLat !== null && v.gpsLon !== null ? `${v.gpsLat},${v.gpsLon}` : null;
  return { date, gps, make: v.make, model: v.model, orientation: v.orientation === null ? null : String(v.orientation) };
}

async function main(): Promise<void> {
  const dir = path.resolve(process.argv[2] ?? path.join(repo, '..', 'shared', 'corpus'));
  const files = walk(dir).sort();
  const tool = exiftool(files);
  const agree: Record<Field, number> = { date: 0, gps: 0, make: 0, model: 0, orientation: 0 };
  const disagreements: string[] = [];
  let compared = 0;
  for (const file of files) {
    const r = tool.get(file);
    if (!r || r['ExifTool:Error'] || !r['File:FileType']) continue; // exiftool cannot read it: nothing to compare with
    compared++;
    const st = fs.statSync(file);
    const outcome = await run({
      taskId: 0, fileId: 0, stage: 'exif', path: file, kind: RAW.test(file) ? 'raw' : 'image', ext: path.extname(file).slice(1).toLowerCase(),
      size: st.size, mtimeMs: st.mtimeMs, identity: '', sidecarPath: null, cacheDir: '', options: {},
    });
    const want = expected(r);
    const got = ours(outcome.status === 'done' ? outcome.value : null);
    for (const f of FIELDS) {
      if (same(f, want[f], got[f])) agree[f]++;
      else disagreements.push(`${path.relative(dir, file)}  ${f}: exiftool ${JSON.stringify(want[f])} vs ours ${JSON.stringify(got[f])}${outcome.status === 'failed' ? ` (failed: ${outcome.reason})` : ''}`);
    }
  }
  console.log(`${files.length} files, ${compared} read by exiftool and compared`);
  for (const f of FIELDS) console.log(`  ${f.padEnd(12)} ${((agree[f] / Math.max(1, compared)) * 100).toFixed(2)}% agree (${compared - agree[f]} differ)`);
  if (disagreements.length) console.log('disagreements:\n  ' + disagreements.join('\n  '));
  const worst = Math.min(...FIELDS.map((f) => agree[f] / Math.max(1, compared)));
  process.exitCode = worst >= 0.99 ? 0 : 1;
}

await main();
