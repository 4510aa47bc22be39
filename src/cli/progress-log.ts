/** Not a TTY (cron, a pipe): one log line every few seconds instead of bars. */
import type { Logger } from '../types.js';
import type { EngineEvents } from '../tasks/events.js';
import { stageProgress } from './progress-format.js';

const intervalMs = 5_000;

export function logProgress(logger: Logger, totals: Record<string, number>): { events: EngineEvents; stop(): void } {
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
            return stageProgress(name, s.done + s.failed + s.skipped, total, p.elapsedMs);
          });
        if (parts.length) logger.info(`extract: ${parts.join(', ')}`);
      },
      taskFailed: (e) => logger.warn(`failed: ${e.reason} [${e.stage}]`),
      stagePaused: (e) => logger.warn(`stage ${e.stage} paused: ${e.reason}`),
    },
    stop() {},
  };
}
