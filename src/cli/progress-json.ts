/** --json: NDJSON events on stdout, one object per line with an "event" key. */
import type { CliEnv } from './env.js';
import type { EngineEvents } from '../tasks/events.js';
import { escapeControls } from './display.js';

const intervalMs = 2_000;

export function jsonProgress(cli: CliEnv, totals: Record<string, number>): { events: EngineEvents; stop(): void } {
  const emit = (o: Record<string, unknown>) => cli.stdout.write(JSON.stringify(o) + '\n');
  let last = -Infinity;
  return {
    events: {
      progress(p) {
        if (p.elapsedMs - last < intervalMs) return;
        last = p.elapsedMs;
        const stages = Object.fromEntries(
          Object.entries(totals).map(([name, total]) => [name, { total, ...(p.perStage[name] ?? { done: 0, failed: 0, skipped: 0 }) }]),
        );
        emit({ event: 'progress', elapsedMs: p.elapsedMs, running: p.running, stages });
      },
      taskFailed: (e) => emit({ event: 'task failed', ...e }),
      stagePaused: (e) => {
        emit({ event: 'stage paused', ...e });
        cli.stderr.write(escapeControls(`stage ${e.stage} paused: ${e.reason}`) + '\n');
      },
    },
    stop() {},
  };
}
