/**
 * A run's note (runs.note) names the stages that were paused and why, as `STAGE paused: REASON` parts joined by '; '
 * after the other parts. `status` reads them back to report paused work apart from work that can run; both sides
 * live here so the shape is defined once.
 */

/** The note part for a paused stage. */
export function pausedPart(stage: string, reason: string): string {
  return `${stage} paused: ${reason}`;
}

/** Stage -> reason for every stage of `stages` the note says was paused. */
export function pausedInNote(note: string | null, stages: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  if (!note) return found;
  // Where each stage's part starts; a reason runs up to the next stage's part (reasons may hold '; ' themselves).
  const starts: { stage: string; at: number }[] = [];
  for (const stage of stages) {
    const marker = `${stage} paused: `;
    const after = note.indexOf(`; ${marker}`);
    const at = note.startsWith(marker) ? 0 : after < 0 ? -1 : after + 2;
    if (at >= 0) starts.push({ stage, at });
  }
  starts.sort((a, b) => a.at - b.at);
  starts.forEach((s, i) => {
    const end = i + 1 < starts.length ? starts[i + 1]!.at - 2 : note.length;
    found.set(s.stage, note.slice(s.at + `${s.stage} paused: `.length, end));
  });
  return found;
}
