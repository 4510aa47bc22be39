import type { Command } from 'commander';

/** Command-line flags of the clip stage (declared on scan and resume). */
export function addClipOptions(cmd: Command): Command {
  return cmd;
}
