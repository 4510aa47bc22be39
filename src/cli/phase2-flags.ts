/**
 * The phase-2 flags `scan` and `resume` declare: the engine's and the stages'. Values arrive parsed (cli/parse.ts);
 * tasks/options.ts resolves them into typed options once.
 */
import os from 'node:os';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseDuration, parsePixelCount, parsePositiveInt } from './parse.js';
import { maxThreads, priorities, tooManyThreads } from '../tasks/options.js';
import { thumbnailDefaults as d } from '../extract/thumbnail/options.js';
import { formatChoices } from '../extract/thumbnail/formats.js';
import { defaultBatchSize } from '../extract/clip/options.js';
import { devices } from '../models/devices.js';

export function addEngineOptions(cmd: Command): Command {
  return cmd
    .option('--stages <list>', 'run only these stages (comma-separated, e.g. thumbnail,exif); dependencies are added')
    .addOption(
      new Option('--priority <level>', 'run the tasks of this command ahead of (or behind) the backlog').choices(
        Object.keys(priorities),
      ),
    )
    .option('--max-duration <dur>', 'stop cleanly after this long (e.g. 20m); the rest stays pending', parseDuration)
    .option('--max-tasks <n>', 'stop cleanly after claiming this many tasks', parsePositiveInt('--max-tasks'))
    .option('--task-timeout <dur>', 'fail a task that runs longer than this and replace its worker (default 5m; 0: never)', parseDuration)
    .option('--threads <n>', `worker threads (default: number of CPUs; at most ${maxThreads(os.availableParallelism())})`, parseThreads);
}

/** Command-line flags of the thumbnail stage. */
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

/** Command-line flags of the clip stage. Values arrive as options.model/device/batchSize. */
export function addClipOptions(cmd: Command): Command {
  return cmd
    .option('--model <dir|name>', 'CLIP model: a directory in the Immich ONNX layout, or a name under the models dir')
    .addOption(
      new Option('--device <device>', 'inference device; auto picks the best available, failures fall back to cpu')
        .choices([...devices])
        .default('auto'),
    )
    .option('--batch-size <n>', `images per CLIP inference batch (default ${defaultBatchSize})`, parsePositiveInt('--batch-size'));
}

/** Declares every phase-2 flag: the engine's and each stage's (exif and xmp have none). */
export function addAllPhase2Options(cmd: Command): Command {
  addEngineOptions(cmd);
  addThumbnailOptions(cmd);
  addClipOptions(cmd);
  return cmd;
}

/** --threads is checked as it is parsed, so a bad value stops the command before phase 1 does any work. */
function parseThreads(value: string): number {
  const n = parsePositiveInt('--threads')(value);
  if (n > maxThreads(os.availableParallelism())) throw new InvalidArgumentError(tooManyThreads('--threads', n));
  return n;
}
