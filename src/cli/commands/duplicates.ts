import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { ExitCode } from '../../errors.js';
import { globalOptions, makeLogger } from '../env.js';
import type { Register } from '../main.js';
import { repeatable } from '../parse.js';

/**
 * Chosen by measurement (README, "How the threshold was chosen"; `BENCH_ONLY=duplicates npm run bench` prints the
 * table): on variants of 80 real camera JPEGs, 8 bits gives pair recall 0.99 and precision 1 (10 gains one crop in
 * a hundred), keeps 8 bits of margin to the closest two different photos (16 apart) against bursts, and searches a
 * million hashes in less than half the time 10 takes.
 */
export const DEFAULT_THRESHOLD = 8;
/** `--similar` without a value. */
export const DEFAULT_SIMILAR = 0.95;

interface DuplicatesOptions {
  threshold: number;
  similar?: number | true;
  prefer?: string[];
  html?: string;
  paths?: boolean;
  null?: boolean;
}

const thresholdOption = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 32) throw new InvalidArgumentError(`--threshold must be an integer from 0 to 32 (bits of 64), got '${value}'`);
  return n;
};

const cosineOption = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 1) throw new InvalidArgumentError(`--similar must be a cosine above 0 and at most 1, got '${value}'`);
  return n;
};

/** `indexer duplicates [PATH...]`: exact, near and (opt-in) similar groups from the catalog, with a keep suggestion. */
export const registerDuplicates: Register = (program, cli, wrap) => {
  program
    .command('duplicates')
    .description('list exact and near-duplicate photos (never deletes anything), suggesting which file to keep')
    .argument('[paths...]', 'only files under these files or folders (default: the whole catalog)')
    .option('--threshold <bits>', `largest perceptual-hash distance of near duplicates, 0-32 (default ${DEFAULT_THRESHOLD})`, thresholdOption, DEFAULT_THRESHOLD)
    .option('--similar [cosine]', `also group similar photos (bursts) by CLIP cosine (default ${DEFAULT_SIMILAR})`, cosineOption)
    .option('--prefer <glob>', 'keep files matching GLOB or under a folder first (repeatable; earlier wins)', repeatable)
    .option('--html <file>', 'also write a page showing each group side by side, the kept file marked')
    .option('--paths', 'print only the paths of the files besides the kept ones, one per line')
    .option('-0, --null', 'with --paths (implied): end each path with NUL instead of a newline, for xargs -0')
    .action(
      wrap(async (paths: string[], opts: DuplicatesOptions, cmd) => {
        const global = globalOptions(cmd);
        const log = makeLogger(global, cli);
        // Loaded here, not with the command: help and usage errors need none of it.
        const { runDuplicates } = await import('../duplicates-run.js');
        const { groups, writeHtml } = await runDuplicates(cmd, cli, log, {
          under: paths.map((p) => path.resolve(p)),
          threshold: opts.threshold,
          similar: opts.similar === undefined ? null : opts.similar === true ? DEFAULT_SIMILAR : opts.similar,
          prefer: (opts.prefer ?? []).map((p) => path.resolve(p)),
          html: opts.html,
        });
        const report = await import('../../duplicates/report.js');
        if (opts.html) writeHtml(opts.html);
        if (opts.paths || opts.null) cli.stdout.write(report.removablePaths(groups, opts.null ? '\0' : '\n'));
        else if (global.json) cli.stdout.write(report.groupsJson(groups) + '\n');
        else if (!global.quiet) {
          const lines = report.groupsTable(groups);
          if (lines.length) cli.stdout.write(lines.join('\n') + '\n');
          log.info(report.summary(groups));
          if (opts.html) log.info(`page: ${opts.html}`);
        }
        return ExitCode.ok;
      }),
    );
};
