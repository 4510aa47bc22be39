/** On a terminal: one cli-progress bar per stage with work, with rate and ETA; messages printed above the bars. */
import cliProgress from 'cli-progress';
import type { CliEnv } from './env.js';
import type { EngineEvents } from '../tasks/events.js';
import { rateAndEta } from './progress-format.js';
import { escapeControls } from './display.js';

export function ttyProgress(cli: CliEnv, totals: Record<string, number>): { events: EngineEvents; stop(): void } {
  const multi = new cliProgress.MultiBar(
    {
      stream: cli.stderr as NodeJS.WriteStream,
      format: '{stage} [{bar}] {value}/{total} {rate}/s ETA {etaText}',
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const width = Math.max(...Object.keys(totals).map((k) => k.length), 1);
  const bars = new Map<string, cliProgress.SingleBar>();
  for (const [name, total] of Object.entries(totals)) {
    if (total > 0) bars.set(name, multi.create(total, 0, { stage: name.padEnd(width), rate: '0.0', etaText: '?' }));
  }
  const say = (text: string) => {
    const line = escapeControls(text);
    return bars.size ? multi.log(line + '\n') : cli.stderr.write(line + '\n');
  };
  return {
    events: {
      progress(p) {
        for (const [name, bar] of bars) {
          const s = p.perStage[name] ?? { done: 0, failed: 0, skipped: 0 };
          const worked = s.done + s.failed + s.skipped;
          const { rate, eta } = rateAndEta(worked, bar.getTotal(), p.elapsedMs);
          bar.update(worked, { rate, etaText: eta });
        }
      },
      taskFailed: (e) => say(`failed: ${e.reason} [${e.stage}]`),
      stagePaused: (e) => say(`stage ${e.stage} paused: ${e.reason}`),
    },
    stop() {
      multi.stop();
    },
  };
}
