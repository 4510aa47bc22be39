/**
 * First SIGINT/SIGTERM: abort the signal (stop claiming, drain, release, exit 130).
 * Second: exit at once; leases make that safe.
 */
export function interruptSignal(onSecond: () => void = () => process.exit(130)): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let count = 0;
  const handler = () => {
    count++;
    if (count === 1) controller.abort(new Error('interrupted'));
    else onSecond();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
