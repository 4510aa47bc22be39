import type { Command } from 'commander';
import { keepReserve } from '../../catalog/reserve.js';
import { rootsCatalog } from '../../catalog/roots.js';
import { ExitCode, UserError } from '../../errors.js';
import { resolveRootArgs } from '../../scan/root-args.js';
import { scanRoots, type ScanProgress } from '../../scan/scanner.js';
import { addAllPhase2Options } from '../phase2-flags.js';
import { cacheDir, catalogPath, globalOptions, makeLogger, type CliEnv } from '../env.js';
import type { Register } from '../main.js';
import { parseDuration } from '../parse.js';
import { scanProgressDisplay } from '../scan-progress.js';
import { scanJson, scanLines } from '../scan-report.js';
import { extractDetails, scanDetails } from '../run-summary.js';
import type { Phase2Summary } from '../../tasks/phase2-summary.js';
import { withWriterCatalog } from '../writer-session.js';

interface ScanOptions {
  /** Absent: each root's remembered excludes; false (--no-exclude): none, remembered as none. */
  exclude?: string[] | false;
  hidden?: boolean;
  followSymlinks?: boolean;
  settle?: number;
  wait?: boolean;
  extract: boolean;
}

/** `indexer scan [ROOT...]`: phase 1 (walk and diff), then phase 2 (extraction) unless --no-extract. */
export const registerScan: Register = (program, cli, wrap) => {
  const cmd = program
    .command('scan')
    .description('add ROOTs (or rescan every known root) and index what changed')
    .argument('[roots...]', 'folders to index; none: rescan every root in the catalog (the cron form)')
    .option('--exclude <glob>', 'skip files/folders matching GLOB (repeatable; no "/": any depth); remembered per root', collect)
    .option('--no-exclude', "forget the roots' remembered excludes")
    .option('--hidden', 'include hidden files and folders')
    .option('--follow-symlinks', 'follow symbolic links (loops are skipped)')
    .option('--settle <seconds>', 'leave files modified less than this long ago for the next run (e.g. 60, 5m)', parseDuration)
    .option('--wait', 'wait for another indexer using the catalog instead of exiting 75')
    .option('--no-extract', 'phase 1 only: record files, run no extraction');
  // Flag declarations only: the engine, sharp and the workers load when phase 2 actually runs.
  addAllPhase2Options(cmd);
  cmd.action(wrap((roots: string[], _opts: unknown, command: Command) => scanCommand(roots, command, cli)));
};

function collect(value: string, previous: string[] | false | undefined): string[] {
  return [...(previous || []), value];
}

async function scanCommand(rootArgs: string[], cmd: Command, cli: CliEnv): Promise<number> {
  const opts = cmd.opts() as ScanOptions;
  const global = globalOptions(cmd);
  const logger = makeLogger(global, cli);
  const catalog = catalogPath(cmd, cli);
  const explicitRoots = resolveRootArgs(rootArgs, process.cwd());
  const onNewCatalog = (m: string) => cli.stderr.isTTY && !global.quiet && logger.warn(`indexer: ${m}`);
  return withWriterCatalog(catalog, { wait: !!opts.wait, clock: cli.clock, onNewCatalog, notice: (m) => cli.stderr.write(m + '\n') }, async (db, signal) => {
    // From here: time spent queued behind another indexer (--wait) is not the scan's.
    const started = cli.clock.now();
    const roots = explicitRoots.length > 0 ? explicitRoots : rootsCatalog(db).list().map((r) => r.path);
    if (roots.length === 0) throw new UserError(`no roots in ${catalog} yet: run 'indexer scan ROOT' first`, ExitCode.usage);
    const progress = await scanProgressDisplay(global, cli);
    // Taken before phase 1 writes anything: a full disk must still let it record how far it got (phase 2 takes its own).
    const reserve = keepReserve(catalog);
    const testInterruptAfter = Number(cli.env.INDEXER_TEST_INTERRUPT_AFTER ?? 0);
    let testInterruptSent = false;
    const summary = await scanRoots(
      roots,
      { excludes: opts.exclude === undefined ? null : opts.exclude || [], hidden: !!opts.hidden, followSymlinks: !!opts.followSymlinks, settleMs: opts.settle ?? null },
      {
        db,
        clock: cli.clock,
        env: cli.env,
        signal,
        reserve,
        report: (p) => logger.warn(`indexer: ${p.message}`),
        warn: (m) => logger.warn(m),
        onProgress: (p: ScanProgress) => {
          progress.update(p);
          // Test hook: a real SIGINT at a known point, so "an interrupted walk deletes nothing" is testable.
          if (testInterruptAfter > 0 && p.files >= testInterruptAfter && !testInterruptSent) {
            testInterruptSent = true; // signals arrive asynchronously: send exactly one
            process.kill(process.pid, 'SIGINT');
            // Wait for it to land: the rest of a small walk could otherwise finish first.
            return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
          }
        },
      },
    ).finally(() => {
      progress.stop();
      reserve.free();
    });
    let extract: Phase2Summary | null = null;
    let code: number = summary.outcome === 'interrupted' ? ExitCode.interrupted : ExitCode.ok;
    if (!global.json) scanLines(summary, cli.clock.now() - started).forEach((l) => logger.info(l));
    cli.summary?.push(scanDetails(summary.counts));
    if (code === ExitCode.ok && opts.extract) {
      const { runPhase2 } = await import('../../tasks/phase2.js');
      const { progressFor } = await import('../progress-select.js');
      const phase2 = await runPhase2({
        db,
        catalogPath: catalog,
        cacheDir: cacheDir(cmd, cli),
        cli,
        opts: cmd.optsWithGlobals(),
        rootIds: summary.rootIds,
        signal,
        progress: (pending) => progressFor(cmd.optsWithGlobals(), cli, pending),
      });
      extract = phase2.summary;
      cli.summary?.push(extractDetails(extract));
      code = signal.aborted ? ExitCode.interrupted : phase2.exitCode;
    }
    if (global.json) cli.stdout.write(JSON.stringify(scanJson(summary, extract, cli.clock.now() - started)) + '\n');
    return code;
  });
}
