/** Which stages a run executes, and how stages depend on each other. */
import type { Db } from '../catalog/open.js';
import type { StageDefinition } from '../extract/stage.js';
import { UserError } from '../errors.js';

/** STAGE's dependents, direct and indirect, among every loaded stage. */
export function dependentsOf(all: StageDefinition[]): (stage: string) => readonly string[] {
  const memo = new Map<string, string[]>();
  return (stage) => {
    let out = memo.get(stage);
    if (!out) {
      const seen = new Set<string>();
      const visit = (name: string) => {
        for (const s of all) if (s.dependsOn.includes(name) && !seen.has(s.name)) (seen.add(s.name), visit(s.name));
      };
      visit(stage);
      out = [...seen];
      memo.set(stage, out);
    }
    return out;
  };
}

/**
 * A stage's task ended failed or skipped for a file's current bytes: what the stage stored for the file before, and
 * what every stage that depends on it stored (the clip embedding made from the thumbnail's preview), is dropped.
 * Every loaded stage counts, not only this run's --stages.
 */
export function forgetter(all: StageDefinition[], dependents: (stage: string) => readonly string[]): (db: Db, fileId: number, stage: string) => void {
  const byName = new Map(all.map((s) => [s.name, s]));
  return (db, fileId, stage) => {
    for (const name of [stage, ...dependents(stage)]) byName.get(name)?.forget?.(db, fileId);
  };
}

/** --stages picks stages by name (null: all); the stages they depend on come along, since their tasks would otherwise wait. */
export function selectStages(all: StageDefinition[], names: string[] | null): StageDefinition[] {
  if (!names) return all;
  const byName = new Map(all.map((s) => [s.name, s]));
  const chosen = new Set<string>();
  const add = (name: string) => {
    const s = byName.get(name);
    if (!s) {
      const known = all.map((x) => x.name).join(', ') || 'none';
      throw new UserError(`--stages: unknown stage '${name}' (known: ${known})`);
    }
    if (chosen.has(name)) return;
    chosen.add(name);
    s.dependsOn.forEach((d) => byName.has(d) && add(d));
  };
  names.forEach(add);
  return all.filter((s) => chosen.has(s.name));
}
