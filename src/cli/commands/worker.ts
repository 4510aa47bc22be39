/**
 * `indexer worker`: phase 2 only, on this machine, against a catalog that a scan (here or on another host) filled.
 * On SQLite it is the catalog's one writer while a round runs (like resume: exit 75 or --wait); on PostgreSQL any
 * number of workers on any number of hosts share the task table. --follow keeps it waiting for new work.
 */
import type { Command } from 'commander';
import type { Register } from '../main.js';
import { globalOptions } from '../env.js';
import { repeatable } from '../parse.js';
import { addAllPhase2Options } from '../phase2-flags.js';
import { extractDetails } from '../run-summary.js';

export const registerWorker: Register = (program, cli, wrap) => {
  const cmd = program
    .command('worker')
    .description('run phase 2 only, here, against a (shared) catalog: finish pending tasks, or with --follow keep waiting for new ones')
    .option('--follow', 'when nothing is left, wait for new work (a scan, a retry) until Ctrl-C')
    .option('--path-map <from=to>', 'read catalog paths under FROM at TO on this host (repeatable; longest FROM wins)', repeatable)
    .option('--wait', 'SQLite: wait for another indexer using the catalog instead of exiting 75');
  // Flag declarations only: the engine, sharp, ONNX Runtime and the workers load when the action runs.
  addAllPhase2Options(cmd);
  cmd.addHelpText(
    'after',
    `
Examples:
  indexer --db postgres://indexer@nas/photos worker               process everything pending, then exit 0
  indexer worker --follow --threads 8                             keep processing what scans add, until Ctrl-C
  indexer worker --path-map /mnt/nas=/Volumes/nas                 the scanning host saw /mnt/nas, this one /Volumes/nas
  indexer worker --stages clip --max-duration 2h                  only CLIP (with what it needs), for at most 2 hours

On a SQLite catalog a worker runs alone, as resume does. On PostgreSQL start one per host (or several): they share
the work through the catalog, and the media and --cache-dir must be shared storage that every host sees.`,
  );
  cmd.action(
    wrap(async (_opts: unknown, command: Command) => {
      const opts = { ...globalOptions(command), ...command.opts() } as Record<string, unknown>;
      const { workerCommand } = await import('../worker-run.js');
      const started = cli.clock.now();
      const outcome = await workerCommand(command, cli, opts);
      cli.summary?.push(extractDetails(outcome.summary));
      if (opts.json) cli.stdout.write(JSON.stringify({ extract: outcome.summary, durationMs: cli.clock.now() - started }) + '\n');
      return outcome.exitCode;
    }),
  );
};
