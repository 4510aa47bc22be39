import { InvalidArgumentError, Option, type Command } from 'commander';
import { openCatalog, type Db } from '../../catalog/open.js';
import { describeError, ExitCode, UserError } from '../../errors.js';
import { devices, type Device } from '../../models/devices.js';
import { parseDateBound } from '../../search/dates.js';
import { contactSheetProblem, writeContactSheet } from '../../search/html.js';
import { cacheDir, catalogPath, globalOptions, makeLogger, type CliEnv, type GlobalOptions } from '../env.js';
import type { Register } from '../main.js';
import { parsePositiveInt, repeatable } from '../parse.js';
import { escapeControls } from '../display.js';

interface SearchOptions {
  limit: number;
  like?: string;
  html?: string;
  after?: number;
  before?: number;
  camera?: string;
  minRating?: number;
  keyword?: string[];
  paths?: boolean;
  print0?: boolean;
  model?: string;
  device: Device;
  exact?: boolean;
}

const dateOption = (flag: string) => (value: string) => {
  const ms = parseDateBound(value);
  if (ms === null) throw new InvalidArgumentError(`${flag} wants a date like 2024-06-01 or 2024-06-01T18:30, got '${value}'`);
  return ms;
};

const ratingOption = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < -1 || n > 5) throw new InvalidArgumentError(`--min-rating must be an integer from -1 to 5, got '${value}'`);
  return n;
};

/** `indexer search [QUERY]`: rank indexed photos by a text, an example image, or both. */
export const registerSearch: Register = (program, cli, wrap) => {
  program
    .command('search')
    .description('find photos by a description (CLIP) or by example; best match first')
    .argument('[query]', 'what to look for, e.g. "a dog on the beach"')
    .option('-n, --limit <n>', 'how many results', parsePositiveInt('--limit'), 20)
    .option('--like <image>', 'search by example: an image file, indexed or not')
    .option('--html <file>', 'also write a contact sheet (thumbnails and scores) to FILE')
    .option('--after <date>', 'taken on or after DATE (EXIF date taken)', dateOption('--after'))
    .option('--before <date>', 'taken before DATE', dateOption('--before'))
    .option('--camera <text>', 'camera make or model contains TEXT (case-insensitive)')
    .option('--min-rating <n>', 'XMP rating at least N', ratingOption)
    .option('--keyword <word>', 'has this XMP keyword (repeatable: all must match)', repeatable)
    .option('--paths', 'print only the paths, one per line (for scripts)')
    .option('-0, --print0', 'print only the paths, each ended by a NUL byte (for xargs -0)')
    .option('--exact', 'scan every embedding even on a catalog big enough for the approximate index')
    .option('--model <dir|name>', 'model directory, when the one that embedded the catalog has moved')
    .addOption(new Option('--device <device>', 'device for embedding the query').choices([...devices]).default('cpu'))
    .action(wrap(async (query: string | undefined, opts: SearchOptions, cmd: Command) => runSearch(cli, cmd, query, opts)));
};

/** Checks what can be checked before any model loads, searches the catalog read-only, and prints the results. */
async function runSearch(cli: CliEnv, cmd: Command, query: string | undefined, opts: SearchOptions): Promise<number> {
  const global = globalOptions(cmd);
  const log = makeLogger(global, cli);
  if (!query && !opts.like) throw new UserError('search needs a QUERY or --like IMAGE (see indexer search --help)');
  const htmlProblem = opts.html ? contactSheetProblem(opts.html) : null;
  if (htmlProblem) throw new UserError(htmlProblem);
  const catalog = catalogPath(cmd, cli);
  const db = openCatalog(catalog, { readonly: true });
  try {
    const results = await findResults(db, query, opts, {
      env: cli.env,
      warn: log.warn,
      cache: {
        dir: cacheDir(cmd, cli),
        catalogPath: catalog,
        // stderr, so stdout holds only results; shown even with --quiet since the wait is long.
        building: (model, count) =>
          cli.stderr.write(`search: preparing ${count.toLocaleString('en')} embeddings of ${model} for search (once; later searches reuse it)\n`),
      },
    });
    if (opts.html) {
      try {
        writeContactSheet(opts.html, query ?? `like ${opts.like}`, results);
      } catch (err) {
        throw new UserError(`--html ${opts.html}: cannot write the contact sheet: ${describeError(err)}`, ExitCode.failure);
      }
    }
    printResults(cli, global, opts, results, log.info);
    return ExitCode.ok;
  } finally {
    db.close();
  }
}

type SearchModule = typeof import('../../search/search.js');
type SearchResult = Awaited<ReturnType<SearchModule['search']>>[number];

/** The ranked results, with what goes wrong said as one line the user can act on. */
async function findResults(db: Db, query: string | undefined, opts: SearchOptions, ctx: Parameters<SearchModule['search']>[2]): Promise<SearchResult[]> {
  // Loaded here, not with the command: help and usage errors need no model code, sharp or ONNX Runtime.
  const { search } = await import('../../search/search.js');
  const filters = { afterMs: opts.after, beforeMs: opts.before, camera: opts.camera, minRating: opts.minRating, keywords: opts.keyword };
  const request = { text: query, likePath: opts.like, limit: opts.limit, modelSpec: opts.model, device: opts.device, exact: opts.exact === true, filters };
  return search(db, request, ctx).catch((err: unknown) => {
    if (err instanceof UserError) throw err;
    if (/no such table/.test(String((err as Error)?.message))) {
      throw new UserError("this catalog has no embeddings yet: run 'indexer scan' with a CLIP model first");
    }
    throw new UserError(`search failed: ${describeError(err)}`, ExitCode.failure);
  });
}

/** JSON, bare paths for scripts (whatever --quiet says: a script asked for them), or scores and paths for people. */
function printResults(cli: CliEnv, global: GlobalOptions, opts: SearchOptions, results: SearchResult[], info: (line: string) => void): void {
  if (global.json) {
    cli.stdout.write(JSON.stringify(results.map((r) => ({ path: r.path, score: round(r.score) }))) + '\n');
  } else if (opts.print0 || opts.paths) {
    const end = opts.print0 ? '\0' : '\n';
    cli.stdout.write(results.map((r) => r.path + end).join(''));
  } else if (!global.quiet) {
    for (const r of results) cli.stdout.write(`${r.score.toFixed(3)}  ${escapeControls(r.path)}\n`);
    if (opts.html) info(`contact sheet: ${opts.html}`);
  }
}

/** Four decimals are plenty to order and compare scores; more is noise in scripts' output. */
function round(score: number): number {
  return Math.round(score * 10_000) / 10_000;
}
