import type { Command } from 'commander';
import { ExitCode, UserError, describeError } from '../errors.js';
import { systemClock } from '../types.js';
import { prewarmWalkerThread } from '../scan/walker-spawn.js';
import { prewarmPgBridge } from '../catalog/pg/prewarm.js';
import { isCatalogUrl } from '../catalog/catalog-url.js';
import type { CliEnv } from './env.js';
import { escapeControls } from './display.js';
import { redactUrls } from '../paths.js';
import { CatalogUnavailableError } from '../catalog/pg/errors.js';
import { indexerVersion } from './version.js';
import { runSummaryLine } from './run-summary.js';

/**
 * Each command's module, loaded only when that command runs: a cron job's `indexer scan` or a quick `status` should
 * not pay for loading sharp and ONNX Runtime. Help (no command) loads them all, so command modules declare their
 * flags with light imports and load their heavy code (the engine, search) inside the action.
 */
const commandModules: Record<string, () => Promise<Register[]>> = {
  scan: async () => [(await import('./commands/scan.js')).registerScan],
  resume: async () => [(await import('./commands/resume.js')).registerResume],
  worker: async () => [(await import('./commands/worker.js')).registerWorker],
  status: async () => [(await import('./commands/status.js')).registerStatus],
  retry: async () => [(await import('./commands/retry-cancel.js')).registerRetry],
  cancel: async () => [(await import('./commands/retry-cancel.js')).registerCancel],
  info: async () => [(await import('./commands/info.js')).registerInfo],
  search: async () => [(await import('./commands/search.js')).registerSearch],
  models: async () => [(await import('./commands/models.js')).registerModels],
  roots: async () => [(await import('./commands/roots.js')).registerRoots],
  doctor: async () => [(await import('./commands/doctor.js')).registerDoctor],
  duplicates: async () => [(await import('./commands/duplicates.js')).registerDuplicates],
  migrate: async () => [(await import('./commands/migrate.js')).registerMigrate],
};

/** Global options that take a value, so the word after them is not mistaken for the command. */
const globalsWithValue = new Set(['--db', '--cache-dir']);

/** The command named on the command line, if it is one we know. */
function commandName(argv: string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!;
    if (globalsWithValue.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    return arg in commandModules ? arg : undefined;
  }
  return undefined;
}

/** The value of --db on the command line (`--db X` or `--db=X`), if given. */
function catalogArgument(argv: string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return undefined;
    if (arg === '--db') return argv[i + 1];
    if (arg.startsWith('--db=')) return arg.slice('--db='.length);
  }
  return undefined;
}

async function loadRegisters(name: string | undefined): Promise<Register[]> {
  if (name) return commandModules[name]!();
  // Help, or an unknown command (commander then lists the real ones): every command, in this order.
  const loaded = await Promise.all(Object.values(commandModules).map((load) => load()));
  return [...new Set(loaded.flat())];
}

/** A command's action: resolves to the process exit code. */
export type Action = (...args: any[]) => Promise<number>;

/** Register-function signature shared by every command file. */
export type Register = (program: Command, cli: CliEnv, wrap: (action: Action) => (...args: any[]) => Promise<void>) => void;

export async function main(argv: string[], cli: CliEnv = defaultEnv()): Promise<number> {
  if (!argv.includes('--log-summary')) return run(argv, cli);
  // Even a run that fails (a busy catalog, a bad root) gets its line: the log must show every night.
  const startedAt = cli.clock.now();
  const details: string[] = [];
  const errors = new ErrorCapture(cli);
  const code = await run(argv, { ...cli, stderr: errors.stream, summary: details });
  if (code !== 0 && errors.last !== null) details.push(errors.last);
  const line = runSummaryLine({ command: commandName(argv) ?? 'indexer', startedAt, endedAt: cli.clock.now(), code, details });
  (argv.includes('--json') ? cli.stderr : cli.stdout).write(line + '\n');
  return code;
}

/** Passes stderr through, keeping the last `indexer: ...` line: the cause, when the run fails. */
class ErrorCapture {
  readonly stream: CliEnv['stderr'];
  last: string | null = null;
  constructor(cli: CliEnv) {
    const target = cli.stderr;
    this.stream = Object.assign(Object.create(target) as CliEnv['stderr'], {
      write: (chunk: string | Uint8Array, ...rest: any[]) => {
        const text = String(chunk);
        const m = /^indexer: (.*)$/m.exec(text);
        if (m) this.last = m[1]!;
        return (target.write as any).call(target, chunk, ...rest);
      },
    });
  }
}

async function run(argv: string[], cli: CliEnv): Promise<number> {
  // The scan's walker thread boots while commander, the command, the catalog and the lock load; not when the scan is
  // told to walk on this thread alone (see src/scan/folder-source.ts). It starts before anything else loads (this
  // module imports nothing heavy; commander comes in below), so the thread is ready by the time the walk starts.
  const name = commandName(argv);
  if (name === 'scan' && cli.env.INDEXER_SCAN_STAT_WORKER !== '0') prewarmWalkerThread();
  // A PostgreSQL catalog's connection is made meanwhile too (catalog/pg/prewarm.ts).
  const catalog = name ? catalogArgument(argv) ?? cli.env.INDEXER_DB : undefined;
  if (catalog && isCatalogUrl(catalog)) prewarmPgBridge(catalog);
  let commander: typeof import('commander');
  let registers: Register[];
  try {
    // Side by side: the module loader reads files asynchronously, so each load fills the other's waits.
    [commander, registers] = await Promise.all([import('commander'), loadRegisters(name)]);
  } catch (err) {
    return unexpectedFailure(err, cli);
  }
  let code: number = ExitCode.ok;
  const wrap =
    (action: Action) =>
    async (...args: any[]): Promise<void> => {
      code = await action(...args);
    };
  const program = new commander.Command('indexer')
    .description('Index photos and videos: scan folders, extract thumbnails/EXIF/XMP/CLIP, search.')
    .option('--db <path>', 'catalog file (default $INDEXER_DB or $XDG_DATA_HOME/indexer/catalog.db)')
    .option('--cache-dir <dir>', 'thumbnail/preview cache (default $INDEXER_CACHE or $XDG_CACHE_HOME/indexer)')
    .option('--json', 'machine-readable output on stdout')
    .option('-q, --quiet', 'print nothing but errors')
    .option('--verbose', "more detail on stderr (a device that falls back: its native libraries' own messages)")
    .option('--log-summary', 'end with one timestamped summary line, even with --quiet (for cron logs)')
    .version(indexerVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => cli.stdout.write(s),
      writeErr: (s) => cli.stderr.write(s),
    });
  try {
    for (const register of registers) register(program, cli, wrap);
    program.commands.forEach((c) => c.exitOverride());
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof commander.CommanderError) {
      // --help and --version are not errors.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return ExitCode.ok;
      return ExitCode.usage;
    }
    if (err instanceof UserError) {
      cli.stderr.write(`indexer: ${escapeControls(redactUrls(err.message))}\n`);
      return err.code;
    }
    if (err instanceof CatalogUnavailableError) {
      // The server went away under a command that holds no run (status, info...): no bug, and the line names host and cause.
      cli.stderr.write(`indexer: ${escapeControls(redactUrls(err.message))}\n`);
      return ExitCode.failure;
    }
    return unexpectedFailure(err, cli);
  }
}

function unexpectedFailure(err: unknown, cli: CliEnv): number {
  // Whatever failed may quote the catalog's URL: never its password.
  cli.stderr.write(`indexer: unexpected failure: ${escapeControls(redactUrls(describeError(err)))}\n`);
  if (cli.env.INDEXER_DEBUG) cli.stderr.write(redactUrls(String((err as Error)?.stack)) + '\n');
  return ExitCode.failure;
}

function defaultEnv(): CliEnv {
  return { env: process.env, clock: systemClock, stdout: process.stdout, stderr: process.stderr };
}

