/**
 * Not a terminal (cron, a pipe, TERM=dumb): one line every few seconds instead of bars, on stderr like the bars, so
 * stdout keeps only results.
 */
import type { CliEnv } from './env.js';
import type { EngineEvents } from '../tasks/events.js';
import { stageProgress, stageRates } from './progress-format.js';
import { escapeControls } from './display.js';

const intervalMs = 5_000;

export function logProgress(cli: CliEnv, totals: Record<string, number>): { events: EngineEvents; stop(): void } {
  const say = (line: string) => cli.stderr.write(escapeControls(line) + '\n');
  const rates = stageRates();
  let last = 0;
  return {
    events: {
      progress(p) {
        if (p.elapsedMs - last < intervalMs) return;
        last = p.elapsedMs;
        const parts = Object.entries(totals)
          .filter(([, total]) => total > 0)
          .map(([name, total]) => {
            const s = p.perStage[name] ?? { done: 0, failed: 0, skipped: 0 };
            const worked = s.done + s.failed + s.skipped;
            return stageProgress(name, worked, total, rates.of(name, worked, total, p.elapsedMs));
          });
        if (parts.length) say(`extract: ${parts.join(', ')}`);
      },
      taskFailed: (e) => say(`failed: ${e.reason} [${e.stage}]`),
      stagePaused: (e) => say(`stage ${e.stage} paused: ${e.reason}`),
    },
    stop() {},
  };
}
