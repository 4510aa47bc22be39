import { InvalidArgumentError } from 'commander';

/** Option parsers that turn bad values into usage errors (exit 2) with precise messages. */
export function parsePositiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer, got '${value}'`);
    return n;
  };
}

/** A repeatable option: each use appends its value to the list. */
export function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Durations like 90, 90s, 20m, 2h, 1500ms -> milliseconds. */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`'${value}' is not a duration (e.g. 30s, 20m, 2h)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  return Math.round(n * factor);
}
