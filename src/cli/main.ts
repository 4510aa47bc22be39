import { Command, CommanderError } from 'commander';
import { ExitCode, UserError, describeError } from '../errors.js';
import { systemClock } from '../types.js';
import type { CliEnv } from './env.js';
import { registerScan } from './commands/scan.js';
import { registerResume } from './commands/resume.js';
import { registerStatus } from './commands/status.js';
import { registerRetry, registerCancel } from './commands/retry-cancel.js';
import { registerInfo } from './commands/info.js';
import { registerSearch } from './commands/search.js';
import { registerModels } from './commands/models.js';

/** A command's action: resolves to the process exit code. */
export type Action = (...args: any[]) => Promise<number>;

/** Register-function signature shared by every command file. */
export type Register = (program: Command, cli: CliEnv, wrap: (action: Action) => (...args: any[]) => Promise<void>) => void;

export async function main(argv: string[], cli: CliEnv = defaultEnv()): Promise<number> {
  let code: number = ExitCode.ok;
  const wrap =
    (action: Action) =>
    async (...args: any[]): Promise<void> => {
      code = await action(...args);
    };
  const program = new Command('indexer')
    .description('Index photos and videos: scan folders, extract thumbnails/EXIF/XMP/CLIP, search.')
    .option('--db <path>', 'catalog file (default $INDEXER_DB or $XDG_DATA_HOME/indexer/catalog.db)')
    .option('--cache-dir <dir>', 'thumbnail/preview cache (default $INDEXER_CACHE or $XDG_CACHE_HOME/indexer)')
    .option('--json', 'machine-readable output on stdout')
    .option('-q, --quiet', 'print nothing but errors')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => cli.stdout.write(s),
      writeErr: (s) => cli.stderr.write(s),
    });
  for (const register of [
    registerScan,
    registerResume,
    registerStatus,
    registerRetry,
    registerCancel,
    registerInfo,
    registerSearch,
    registerModels,
  ] as Register[]) {
    register(program, cli, wrap);
  }
  program.commands.forEach((c) => c.exitOverride());
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version are not errors.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return ExitCode.ok;
      return ExitCode.usage;
    }
    if (err instanceof UserError) {
      cli.stderr.write(`indexer: ${err.message}\n`);
      return err.code;
    }
    cli.stderr.write(`indexer: unexpected failure: ${describeError(err)}\n`);
    if (cli.env.INDEXER_DEBUG) cli.stderr.write(String((err as Error)?.stack) + '\n');
    return ExitCode.failure;
  }
}

function defaultEnv(): CliEnv {
  return { env: process.env, clock: systemClock, stdout: process.stdout, stderr: process.stderr };
}

