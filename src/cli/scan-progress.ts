import type { ScanProgress } from '../scan/scanner.js';
import type { CliEnv, GlobalOptions } from './env.js';
import { drawsOnTerminal } from './terminal.js';

/** A live line on a terminal while the walk runs; a no-op when stderr is not a TTY, or with --quiet/--json. */
export interface ScanProgressDisplay {
  update(p: ScanProgress): void;
  stop(): void;
}

/** Async because cli-progress is loaded only when there is a terminal to draw on (cron runs never need it). */
export async function scanProgressDisplay(opts: GlobalOptions, cli: CliEnv): Promise<ScanProgressDisplay> {
  if (!drawsOnTerminal(cli) || opts.quiet || opts.json) return { update() {}, stop() {} };
  const cliProgress = (await import('cli-progress')).default;
  const bar = new cliProgress.SingleBar(
    {
      // The total is unknown until the walk ends, so the line counts instead of drawing a bar.
      format: 'scanning {root}  {value} files  new {new}  modified {modified}  unchanged {unchanged}  errors {errors}',
      stream: cli.stderr as NodeJS.WritableStream,
      hideCursor: true,
      clearOnComplete: true,
      fps: 8,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      const payload = { root: shorten(p.root), ...p.counts };
      if (!started) {
        bar.start(0, p.files, payload);
        started = true;
      } else bar.update(p.files, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function shorten(p: string): string {
  return p.length <= 40 ? p : '…' + p.slice(-39);
}
