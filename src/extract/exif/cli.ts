import type { Command } from 'commander';

/** Command-line flags of the exif stage (declared on scan and resume). */
export function addExifOptions(cmd: Command): Command {
  return cmd;
}
