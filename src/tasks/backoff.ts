/**
 * Exponential backoff with jitter for a failed task that has attempts left: base * 2^(attempts-1), capped, then
 * scaled by a random factor in [0.5, 1.5) so that a burst of failures does not come back as a burst.
 */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 1_000, capMs: 5 * 60_000 };

/** Delay before attempt `attempts + 1`; `random` returns [0, 1) (Math.random in production, fixed in tests). */
export function backoffDelay(attempts: number, random: () => number, policy: BackoffPolicy = defaultBackoff): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, Math.min(attempts - 1, 30)));
  return Math.round(exp * (0.5 + random()));
}
