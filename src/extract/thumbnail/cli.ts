import type { Command } from 'commander';

/** Command-line flags of the thumbnail stage (declared on scan and resume). */
export function addThumbnailOptions(cmd: Command): Command {
  return cmd;
}
