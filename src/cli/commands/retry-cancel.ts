/** `indexer retry` re-arms failed tasks; `indexer cancel` cancels pending ones. Both hold the writer lock. */
import path from 'node:path';
import type { Command } from 'commander';
import type { Register } from '../main.js';
import type { CliEnv } from '../env.js';
import { cacheDir, catalogPath, globalOptions, makeLogger } from '../env.js';
import type { Db } from '../../catalog/open.js';
import { cancelPending, rearmFailed } from '../../catalog/tasks.js';
import { catalogKnowsPath, stagesWithTasks } from '../../catalog/known-paths.js';
import { ExitCode, UserError } from '../../errors.js';
import { withWriterCatalog } from '../writer-session.js';

function withCatalog<T>(command: Command, cli: CliEnv, wait: boolean, fn: (db: Db) => Promise<T> | T): Promise<T> {
  return withWriterCatalog(catalogPath(command, cli), { wait, clock: cli.clock, mustExist: true, notice: (m) => cli.stderr.write(m + '\n') }, fn);
}

/** The stages this indexer runs (the registry, plug-ins included), loaded only when a command needs them. */
async function loadStages(command: Command, cli: CliEnv) {
  const { loadAllStages, stageConfig } = await import('../../extract/registry.js');
  return loadAllStages(stageConfig({ cacheDir: cacheDir(command, cli), env: cli.env, options: command.optsWithGlobals(), clock: cli.clock }));
}

/** A --stage naming no stage is a typo, not "0 tasks": exit 2 naming the ones there are. */
function checkStage(stage: string | undefined, known: string[]): void {
  if (stage === undefined || known.includes(stage)) return;
  throw new UserError(`--stage: unknown stage '${stage}' (known: ${known.join(', ') || 'none'})`, ExitCode.usage);
}

export const registerRetry: Register = (program, cli, wrap) => {
  program
    .command('retry')
    .description('re-arm failed (quarantined) tasks with fresh attempts; run `indexer resume` to process them')
    .option('--stage <name>', 'only this stage')
    .option('--canceled', 'also re-arm canceled tasks')
    .option('--wait', 'wait for another indexer using the catalog instead of exiting 75')
    .addHelpText('after', '\nExamples:\n  indexer retry && indexer resume\n  indexer retry --stage thumbnail --json')
    .action(
      wrap(async (opts: { stage?: string; canceled?: boolean; wait?: boolean }, command: Command) => {
        const g = globalOptions(command);
        const n = await withCatalog(command, cli, !!opts.wait, async (db) => {
          if (opts.stage !== undefined) {
            const names = new Set([...(await loadStages(command, cli)).map((s) => s.name), ...stagesWithTasks(db)]);
            checkStage(opts.stage, [...names]);
          }
          return rearmFailed(db, { stage: opts.stage, canceled: !!opts.canceled, now: cli.clock.now() });
        });
        if (g.json) cli.stdout.write(JSON.stringify({ retried: n }) + '\n');
        else makeLogger(g, cli).info(`re-armed ${n} task${n === 1 ? '' : 's'}${n ? "; run 'indexer resume' to process them" : ''}`);
        return 0;
      }),
    );
};

export const registerCancel: Register = (program, cli, wrap) => {
  program
    .command('cancel [paths...]')
    .description('cancel pending tasks (all, of a stage, or of files under PATHs); they come back if the file changes')
    .option('--stage <name>', 'only this stage')
    .option('--wait', 'wait for another indexer using the catalog instead of exiting 75')
    .addHelpText('after', '\nExamples:\n  indexer cancel --stage clip\n  indexer cancel ~/Photos/2009')
    .action(
      wrap(async (paths: string[], opts: { stage?: string; wait?: boolean }, command: Command) => {
        const g = globalOptions(command);
        const absolute = paths.map((p) => path.resolve(p)); // normalised: no trailing slash
        const n = await withCatalog(command, cli, !!opts.wait, async (db) => {
          for (const p of absolute) {
            if (!catalogKnowsPath(db, p)) throw new UserError(`${p}: no file of the catalog is at or under this path`, ExitCode.usage);
          }
          const stages = await loadStages(command, cli);
          const withTasks = stagesWithTasks(db);
          checkStage(opts.stage, [...new Set([...stages.map((s) => s.name), ...withTasks])]);
          // Tasks are planned when phase 2 starts: after `scan --no-extract` there would be nothing yet to cancel. The
          // stages planned are the one named, else those the catalog already runs (all of them in a new catalog),
          // so a cancel does not bring in stages a `resume --stages` left out.
          const toPlan = stages.filter((s) => (opts.stage ? s.name === opts.stage : withTasks.length === 0 || withTasks.includes(s.name)));
          const { planTasks } = await import('../../tasks/plan.js');
          planTasks(db, toPlan, { now: cli.clock.now(), priority: null });
          return cancelPending(db, { stage: opts.stage, paths: absolute, now: cli.clock.now() });
        });
        if (g.json) cli.stdout.write(JSON.stringify({ canceled: n }) + '\n');
        else makeLogger(g, cli).info(`canceled ${n} pending task${n === 1 ? '' : 's'}`);
        return 0;
      }),
    );
};
