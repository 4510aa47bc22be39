import fs from 'node:fs';
import path from 'node:path';
import { openCatalog, type Db } from '../../catalog/open.js';
import { findFileByPath, getExif, getThumbnail, getXmp, type ExifRow, type XmpRow } from '../../catalog/metadata.js';
import { ExitCode, UserError } from '../../errors.js';
import { tasksForFile } from '../../tasks/status.js';
import { catalogPath, globalOptions } from '../env.js';
import type { Register } from '../main.js';
import { displayLines } from '../display.js';
import { localTime } from '../../local-time.js';
import { formatVideoInfo, videoInfo } from '../info-video.js';

/** `indexer info PATH`: everything the catalog knows about one file. */
export const registerInfo: Register = (program, cli, wrap) => {
  program
    .command('info')
    .description('show what the catalog knows about files: identity, stages, EXIF, XMP, thumbnails')
    .argument('<paths...>', 'files under an indexed root')
    .action(
      wrap(async (files: string[], _opts: unknown, cmd) => {
        const global = globalOptions(cmd);
        const db = openCatalog(catalogPath(cmd, cli), { readonly: true });
        try {
          // Each known file is shown; each unknown one is named on stderr, and then the exit code says so.
          const infos: Info[] = [];
          let unknown = 0;
          for (const file of files) {
            try {
              infos.push(collect(db, path.resolve(file)));
            } catch (err) {
              if (!(err instanceof UserError) || files.length === 1) throw err;
              cli.stderr.write(`indexer: ${err.message}\n`);
              unknown++;
            }
          }
          // --json: one object for one path (as always), an array for several.
          if (global.json) cli.stdout.write(JSON.stringify(files.length === 1 ? infos[0] : infos, null, 2) + '\n');
          else cli.stdout.write(infos.map((info) => displayLines(formatInfo(info))).join('\n'));
          return unknown > 0 ? ExitCode.usage : ExitCode.ok;
        } finally {
          db.close();
        }
      }),
    );
};

type Info = ReturnType<typeof collect>;

function collect(db: Db, absolute: string) {
  const file = findFileByPath(db, absolute) ?? findFileByPath(db, realpathOr(absolute));
  if (!file) throw new UserError(`${absolute} is not in the catalog (run 'indexer scan' on its folder first)`);
  const thumb = getThumbnail(db, file.id);
  const exif = getExif(db, file.id);
  const xmp = getXmp(db, file.id);
  return {
    file,
    tasks: tasksForFile(db, file.id),
    thumbnails: thumb && {
      thumbPath: thumb.thumbPath,
      previewPath: thumb.previewPath,
      width: thumb.width,
      height: thumb.height,
      thumbhash: thumb.thumbhash,
      // The cache can be cleared behind our back: say so rather than hand out a dead path.
      thumbExists: fs.existsSync(thumb.thumbPath),
      previewExists: fs.existsSync(thumb.previewPath),
    },
    exif: exif && exifJson(exif),
    xmp: xmp && xmpJson(xmp),
    ...videoInfo(db, file),
  };
}

function exifJson(e: ExifRow) {
  const { tagsJson, ...columns } = e;
  return { ...columns, tags: tagsJson ? (JSON.parse(tagsJson) as Record<string, unknown>) : null };
}

function xmpJson(x: XmpRow) {
  const list = (s: string | null) => (s ? (JSON.parse(s) as string[]) : []);
  return { ...x, keywords: list(x.keywords), hierarchical: list(x.hierarchical), people: list(x.people) };
}

function formatInfo(info: Info): string[] {
  const f = info.file;
  const lines = [
    f.path,
    `  kind ${f.kind}, ${f.size} bytes, modified ${localTime(f.mtimeMs)}, ${f.state}`,
    `  identity ${f.identity ?? '(not computed yet)'}`,
  ];
  if (f.sidecarPath) lines.push(`  sidecar ${f.sidecarPath}`);
  lines.push('stages:');
  if (!info.tasks.length) lines.push('  (none planned yet)');
  for (const t of info.tasks) lines.push(`  ${t.stage.padEnd(10)} ${t.state}${t.reason ? ': ' + t.reason : ''}${t.attempts > 1 ? ` (${t.attempts} attempts)` : ''}`);
  const th = info.thumbnails;
  if (th) {
    lines.push(`thumbnails: ${th.width}x${th.height}`);
    lines.push(`  thumb   ${th.thumbPath}${th.thumbExists ? '' : ' (missing from the cache)'}`);
    lines.push(`  preview ${th.previewPath}${th.previewExists ? '' : ' (missing from the cache)'}`);
  }
  const e = info.exif;
  if (e) {
    lines.push('exif:');
    const source = e.takenAtSource === 'mtime' ? ' (file mtime: no date in the metadata)' : e.takenAtSource === 'exif-local' ? ' (local time, no offset recorded)' : '';
    push(lines, 'taken', e.takenAt ? e.takenAt + source : null);
    push(lines, 'camera', [e.make, e.model].filter(Boolean).join(' ') || null);
    push(lines, 'lens', e.lens);
    const exposure = [
      e.exposureTime ? (e.exposureTime < 1 ? `1/${Math.round(1 / e.exposureTime)} s` : `${e.exposureTime} s`) : null,
      e.fNumber ? `f/${e.fNumber}` : null,
      e.iso ? `ISO ${e.iso}` : null,
      e.focalLength ? `${e.focalLength} mm${e.focalLength35 ? ` (${e.focalLength35} mm equiv.)` : ''}` : null,
    ].filter(Boolean);
    push(lines, 'exposure', exposure.join(', ') || null);
    push(lines, 'gps', e.gpsLat !== null && e.gpsLon !== null ? `${e.gpsLat.toFixed(6)}, ${e.gpsLon.toFixed(6)}${e.gpsAlt !== null ? `, ${e.gpsAlt.toFixed(1)} m` : ''}` : null);
    push(lines, 'orientation', e.orientation);
    push(lines, 'size', e.width && e.height ? `${e.width}x${e.height}` : null);
    push(lines, 'software', e.software);
  }
  lines.push(...formatVideoInfo(info));
  const x = info.xmp;
  if (x) {
    lines.push(`xmp (${x.source}):`);
    push(lines, 'rating', x.rating);
    push(lines, 'label', x.label);
    push(lines, 'title', x.title);
    push(lines, 'description', x.description);
    push(lines, 'keywords', x.keywords.join(', ') || null);
    push(lines, 'hierarchical', x.hierarchical.join(', ') || null);
    push(lines, 'creator', x.creator);
    push(lines, 'rights', x.rights);
    push(lines, 'people', x.people.join(', ') || null);
  }
  return lines;
}

function push(lines: string[], label: string, value: string | number | null): void {
  if (value !== null && value !== '') lines.push(`  ${label.padEnd(12)} ${value}`);
}

function realpathOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}
