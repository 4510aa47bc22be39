/** On a terminal: one cli-progress bar per stage with work, with rate and ETA; messages printed above the bars. */
import cliProgress from 'cli-progress';
import type { CliEnv } from './env.js';
import type { EngineEvents } from '../tasks/events.js';
import { stageRates } from './progress-format.js';
import { escapeControls } from './display.js';

const CLEAR_DOWN = '\x1b[0J';

export function ttyProgress(cli: CliEnv, totals: Record<string, number>): { events: EngineEvents; stop(): void; notice(line: string): void } {
  const multi = new cliProgress.MultiBar(
    {
      stream: cli.stderr as NodeJS.WriteStream,
      format: '{stage} [{bar}] {value}/{total} {rate}/s ETA {etaText}',
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
      // The terminal keeps wrapping long lines, so a failure's reason is never cut at the window's edge; the bars
      // themselves are still trimmed to the width by cli-progress.
      linewrap: true,
      // Redraw the bars after every message printed above them (unchanged bars are otherwise skipped and the message
      // stays where the bars were).
      forceRedraw: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const width = Math.max(...Object.keys(totals).map((k) => k.length), 1);
  const bars = new Map<string, cliProgress.SingleBar>();
  for (const [name, total] of Object.entries(totals)) {
    if (total > 0) bars.set(name, multi.create(total, 0, { stage: name.padEnd(width), rate: '0.0', etaText: '?' }));
  }
  const rates = stageRates();
  // A message is written where the bars were; one longer than the terminal wraps onto the next bar's row, which
  // cli-progress does not clear, leaving a torn copy of that bar behind. Clearing down first leaves only the message.
  const say = (text: string) => {
    const line = escapeControls(text);
    return bars.size ? multi.log(CLEAR_DOWN + line + '\n') : cli.stderr.write(line + '\n');
  };
  return {
    events: {
      progress(p) {
        for (const [name, bar] of bars) {
          const s = p.perStage[name] ?? { done: 0, failed: 0, skipped: 0 };
          const worked = s.done + s.failed + s.skipped;
          const { rate, eta } = rates.of(name, worked, bar.getTotal(), p.elapsedMs);
          bar.update(worked, { rate, etaText: eta });
        }
      },
      taskFailed: (e) => say(`failed: ${e.reason} [${e.stage}]`),
      stagePaused: (e) => say(`stage ${e.stage} paused: ${e.reason}`),
    },
    // Through the bars' log: written straight to the stream it would move the cursor under the bars, which are then
    // drawn again below their old copy (a Ctrl-C's message did that).
    notice: say,
    stop() {
      multi.stop();
    },
  };
}
