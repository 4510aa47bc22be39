import type { Command } from 'commander';

/** Command-line flags of the xmp stage (declared on scan and resume). */
export function addXmpOptions(cmd: Command): Command {
  return cmd;
}
