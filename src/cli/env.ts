import type { Command } from 'commander';
import { resolveCacheDir, resolveCatalogPath } from '../paths.js';
import type { Clock, Logger } from '../types.js';
import { escapeControls } from './display.js';

/** Process-level things a command needs; passed down, never global, so tests can replace them. */
export interface CliEnv {
  env: NodeJS.ProcessEnv;
  clock: Clock;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** What the command did, for the `--log-summary` line (commands that have counts push them here). */
  summary?: string[];
}

/** Options every command accepts (declared on the root program). */
export interface GlobalOptions {
  db?: string;
  cacheDir?: string;
  json?: boolean;
  quiet?: boolean;
  logSummary?: boolean;
}

export function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

export function catalogPath(cmd: Command, cli: CliEnv): string {
  return resolveCatalogPath(globalOptions(cmd).db, cli.env);
}

export function cacheDir(cmd: Command, cli: CliEnv): string {
  return resolveCacheDir(globalOptions(cmd).cacheDir, cli.env);
}

/** A logger honouring --quiet and --json: with --json, humans' messages go to stderr so stdout stays parseable. */
export function makeLogger(opts: GlobalOptions, cli: CliEnv): Logger {
  const quiet = !!opts.quiet;
  return {
    info: (m) => {
      if (!quiet) (opts.json ? cli.stderr : cli.stdout).write(escapeControls(m) + '\n');
    },
    warn: (m) => cli.stderr.write(escapeControls(m) + '\n'),
    error: (m) => cli.stderr.write(escapeControls(m) + '\n'),
  };
}
