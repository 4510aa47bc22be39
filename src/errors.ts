/** Exit codes are a contract with users' scripts and cron jobs (see README). */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  busy: 75,
  interrupted: 130,
} as const;

/** An error the user caused and can fix: printed as one line, exits with `code`. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly code: number = ExitCode.usage,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** Best-effort message of anything thrown, on one line. */
export function describeError(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s+/g, ' ').trim();
}
