/**
 * Libraries in a worker thread must not write to the CLI's stdout: a worker's console and process.stdout are piped
 * to the main thread's, where they would break `--json` output and scramble the progress bars (libheif-js logs
 * "Decoding image failed ..." with console.log, some of it from a timer after the decode call has returned).
 *
 * Installed once per worker thread, this keeps everything written through console.* and process.stdout/stderr for
 * the task that is running (a thread runs one task at a time, batches one after another), and the dispatcher turns
 * it into the task's reason when the task fails. Output while no task runs is dropped.
 */
import { formatLogArgs } from '../extract/log-args.js';

/** Longest text kept per task: a library that loops on a log call must not grow a reason without bound. */
const MAX_KEPT = 2_000;

let installed = false;
let current: string[] | null = null;
let kept = 0;

function keep(text: string): void {
  if (!current || kept >= MAX_KEPT) return;
  const line = text.replace(/\s+/g, ' ').trim();
  if (!line) return;
  current.push(line);
  kept += line.length;
}

/** Replaces console.* and process.stdout/stderr.write in this thread; idempotent. */
export function installOutputCapture(): void {
  if (installed) return;
  installed = true;
  const logger = (...args: unknown[]) => keep(formatLogArgs(args));
  for (const name of ['log', 'info', 'debug', 'warn', 'error', 'trace', 'dir'] as const) {
    (console as unknown as Record<string, unknown>)[name] = logger;
  }
  const write = (chunk: unknown, ...rest: unknown[]): boolean => {
    keep(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  };
  process.stdout.write = write as typeof process.stdout.write;
  process.stderr.write = write as typeof process.stderr.write;
}

/** Runs `fn` with what libraries print during it collected; the lines come back beside its value. */
export async function capturing<T>(fn: () => Promise<T>): Promise<{ value: T; said: string[] }> {
  const said: string[] = [];
  const outer = current;
  const outerKept = kept;
  current = said;
  kept = 0;
  try {
    return { value: await fn(), said };
  } finally {
    current = outer;
    kept = outerKept;
  }
}

/** A failure reason with what the libraries printed during the task appended, unless the reason already says it. */
export function withLibraryOutput(reason: string, said: string[]): string {
  const news = [...new Set(said)].filter((line) => !reason.includes(line));
  return news.length ? `${reason} (library output: ${news.join('; ')})` : reason;
}
