import type { CliEnv } from './env.js';

/**
 * Whether live progress may be drawn with cursor controls: stderr is a terminal that understands them. `TERM=dumb`
 * (Emacs shells, some CI consoles) is a terminal that does not, so it gets plain lines like a pipe.
 */
export function drawsOnTerminal(cli: Pick<CliEnv, 'env' | 'stderr'>): boolean {
  return !!cli.stderr.isTTY && cli.env.TERM !== 'dumb';
}
