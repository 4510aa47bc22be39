/** Picks the phase-2 progress display: NDJSON with --json, bars on a TTY, a periodic log line otherwise. */
import { escapeControls } from './display.js';
import type { CliEnv } from './env.js';
import { makeLogger } from './env.js';
import type { EngineEvents } from '../tasks/events.js';
import type { Phase2SummaryLine } from '../tasks/phase2-summary.js';
import { jsonProgress } from './progress-json.js';
import { logProgress } from './progress-log.js';
import { ttyProgress } from './progress-tty.js';
import { stageLine } from './progress-format.js';
import { drawsOnTerminal } from './terminal.js';

/** The CLI's side of tasks/events.ts ProgressDisplay (its summary reads only what the end-of-phase line needs). */
export interface ProgressDisplay {
  events: EngineEvents;
  /** Removes bars and timers (called before anything else is printed). */
  stop(): void;
  /** Prints the human end-of-phase line (nothing with --json or --quiet). */
  summary(summary: Phase2SummaryLine): void;
  /** A message for the user while the display runs (above the bars on a terminal; nothing with --quiet). */
  notice(line: string): void;
}

/** `totals`: pending tasks per stage when the run starts (the bars' 100%). */
export function progressFor(opts: Record<string, unknown>, cli: CliEnv, totals: Record<string, number>): ProgressDisplay {
  const logger = makeLogger({ json: !!opts.json, quiet: !!opts.quiet }, cli);
  const display = opts.json
    ? jsonProgress(cli, totals)
    : opts.quiet
      ? quietProgress(logger)
      : drawsOnTerminal(cli)
        ? ttyProgress(cli, totals)
        : logProgress(cli, totals);
  return {
    notice: (line) => {
      if (!opts.quiet) cli.stderr.write(escapeControls(line) + '\n');
    },
    ...display,
    summary(s) {
      if (opts.json) return;
      if (!opts.quiet) logger.info(stageLine(s));
      const hint = resumeHint(s);
      // On stderr even with --quiet: the run did not finish what it was asked to, and the log should say how to.
      if (hint) cli.stderr.write(hint + '\n');
    },
  };
}

/** How to finish what an interrupted or limited run left pending. */
export function resumeHint(s: Pick<Phase2SummaryLine, 'pending' | 'outcome'>): string | null {
  const pending = s.pending;
  if (pending === 0) return null;
  const tasks = `${pending} task${pending === 1 ? '' : 's'}`;
  if (s.outcome === 'interrupted') return `interrupted: ${tasks} left pending; run 'indexer resume' to finish them`;
  if (s.outcome === 'limit') return `stopped at the limit: ${tasks} left pending; 'indexer resume' (or the next scan) finishes them`;
  return null;
}

function quietProgress(logger: ReturnType<typeof makeLogger>): Omit<ProgressDisplay, 'summary' | 'notice'> {
  return {
    events: {
      progress() {},
      taskFailed: (e) => logger.error(`failed: ${e.reason} [${e.stage}]`),
      stagePaused: (e) => logger.warn(`stage ${e.stage} paused: ${e.reason}`),
    },
    stop() {},
  };
}
