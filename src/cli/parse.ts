/** Option parsers for commander: the pure ones of option-values.ts, their errors turned into usage errors (exit 2). */
import { InvalidArgumentError } from 'commander';
import * as values from '../option-values.js';

function forCommander<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof values.OptionValueError) throw new InvalidArgumentError(err.message);
    throw err;
  }
}

export function parsePositiveInt(name: string) {
  return (value: string): number => forCommander(() => values.parsePositiveInt(name, value));
}

/** A repeatable option: each use appends its value to the list. */
export function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Durations like 90, 90s, 20m, 2h, 1500ms -> milliseconds. */
export function parseDuration(value: string): number {
  return forCommander(() => values.parseDuration(value));
}

/** "250000000", "250M" or "0.25G" -> a positive pixel count (--pixel-limit). */
export function parsePixelCount(value: string): number {
  return forCommander(() => values.parsePixelCount('--pixel-limit', value));
}
