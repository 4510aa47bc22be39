import { InvalidArgumentError, Option, type Command } from 'commander';
import { parsePositiveInt } from '../../cli/parse.js';
import { formatChoices } from './formats.js';
import { thumbnailDefaults as d } from './options.js';

/** Command-line flags of the thumbnail stage (declared on scan and resume). */
export function addThumbnailOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--thumb-size <px>', `longest side of thumbnails (default ${d.thumbSize})`).argParser(parsePositiveInt('--thumb-size')))
    .addOption(new Option('--thumb-format <format>', `thumbnail format (default ${d.thumbFormat})`).choices(formatChoices))
    .addOption(new Option('--preview-size <px>', `longest side of previews (default ${d.previewSize})`).argParser(parsePositiveInt('--preview-size')))
    .addOption(new Option('--preview-format <format>', `preview format (default ${d.previewFormat})`).choices(formatChoices))
    .addOption(
      new Option('--pixel-limit <pixels>', `refuse images with more pixels than this, e.g. 200M (default ${d.pixelLimit})`).argParser(
        parsePixelCount,
      ),
    );
}

/** "250000000", "250M" or "0.25G" -> a positive pixel count. */
export function parsePixelCount(value: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmMgG])?$/.exec(value.trim());
  const factor = { k: 1e3, m: 1e6, g: 1e9 }[(m?.[2] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? 1;
  const n = m ? Math.round(Number(m[1]) * factor) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`--pixel-limit must be a positive pixel count like 200M, got '${value}'`);
  return n;
}
