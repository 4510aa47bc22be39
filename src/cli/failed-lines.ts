/** `indexer status --failed` for humans: each failed file once, then one line per failed stage. */
export function failedLines(failed: readonly { path: string; stage: string; reason: string; attempts: number }[]): string[] {
  const lines: string[] = [];
  let current: string | null = null;
  for (const f of failed) {
    if (f.path !== current) {
      lines.push(f.path);
      current = f.path;
    }
    // Reasons usually start with the file's own path (they are written for logs): said once above is enough.
    const reason = f.reason.startsWith(`${f.path}: `) ? f.reason.slice(f.path.length + 2) : f.reason;
    lines.push(`  ${f.stage}: ${reason} (${f.attempts} attempt${f.attempts === 1 ? '' : 's'})`);
  }
  return lines;
}
