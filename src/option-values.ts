/**
 * Pure parsers and checks of option values. The CLI's flag declarations use the parsers through cli/parse.ts, which
 * turns their errors into usage errors; the engine and the stages check the values they are handed (parsed by the
 * CLI, or raw from another caller) with the checks, whose messages name the flag.
 */
import { UserError } from './errors.js';

/** A value that is not what its option takes; the message says what was expected and what came. */
export class OptionValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OptionValueError';
  }
}

export function parsePositiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new OptionValueError(`${flag} must be a positive integer, got '${value}'`);
  return n;
}

/** Durations like 90, 90s, 20m, 2h, 1500ms -> milliseconds. */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) throw new OptionValueError(`'${value}' is not a duration (e.g. 30s, 20m, 2h)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  return Math.round(n * factor);
}

/** "250000000", "250M" or "0.25G" -> a positive pixel count. */
export function parsePixelCount(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmMgG])?$/.exec(value.trim());
  const factor = { k: 1e3, m: 1e6, g: 1e9 }[(m?.[2] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? 1;
  const n = m ? Math.round(Number(m[1]) * factor) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new OptionValueError(`${flag} must be a positive pixel count like 200M, got '${value}'`);
  return n;
}

// Checks of a value as a caller hands it over: undefined (not given), already parsed, or raw text. They throw a
// UserError (exit 2) naming the flag.

function checked<T>(flag: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof OptionValueError)) throw err;
    throw new UserError(err.message.startsWith(flag) ? err.message : `${flag}: ${err.message}`);
  }
}

export function positiveIntOption(flag: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  return checked(flag, () => parsePositiveInt(flag, String(value)));
}

/** Milliseconds: a number as given (0 or more), or text parsed as a duration. */
export function durationOption(flag: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  return checked(flag, () => parseDuration(String(value)));
}

export function pixelCountOption(flag: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  return checked(flag, () => parsePixelCount(flag, String(value)));
}

export function choiceOption<T extends string>(flag: string, value: unknown, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  throw new UserError(`${flag} must be one of ${choices.join(', ')}, got '${String(value)}'`);
}
