/**
 * Runs the real CLI asynchronously, so a test may serve HTTP at the same time: helpers.ts runCli (the same isolated
 * environment as every other e2e run) with the environment as a plain argument.
 */
import { runCli, type RunResult } from './helpers.js';

export function indexer(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return runCli(args, { env });
}
