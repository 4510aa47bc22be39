/**
 * Times in human output are the user's wall clock (the process's time zone, `TZ`), with the UTC offset so a log
 * read elsewhere stays unambiguous: `2026-12-05 21:04:11 +01:00`. JSON keeps UTC ISO strings or epoch ms.
 */
export function localTime(ms: number | null): string {
  if (ms === null) return 'never';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  const offsetMin = -d.getTimezoneOffset();
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return `${date} ${time} ${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
