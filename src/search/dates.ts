/**
 * --after/--before values. EXIF times without an offset are stored as wall time read as UTC, so dates given on the
 * command line are read as UTC wall time too: `--after 2024-06-01` means "taken on or after June 1st" as the
 * camera's clock showed it.
 */

/** YYYY, YYYY-MM, YYYY-MM-DD, or a full ISO date-time -> ms, or null when not a date. */
export function parseDateBound(value: string): number | null {
  const v = value.trim();
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(v);
  if (m) {
    const ms = Date.UTC(Number(m[1]), m[2] ? Number(m[2]) - 1 : 0, m[3] ? Number(m[3]) : 1);
    const back = new Date(ms);
    // Reject 2024-02-31 and the like instead of rolling over.
    if (m[2] && back.getUTCMonth() !== Number(m[2]) - 1) return null;
    if (m[3] && back.getUTCDate() !== Number(m[3])) return null;
    return ms;
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(v)) return null;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(v);
  const ms = Date.parse(hasZone ? v : v + 'Z');
  return Number.isNaN(ms) ? null : ms;
}
