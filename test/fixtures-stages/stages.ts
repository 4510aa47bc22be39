/**
 * Trivial and hostile stages for engine tests and the benchmark, plugged into the real CLI with
 * INDEXER_EXTRA_STAGES=dist/test/fixtures-stages/stages.js. Their results go to a test table, test_outputs, with a
 * plain INSERT: a result committed twice would show up as two rows.
 *
 * - trivial:  returns at once (meta lane).
 * - crashtest: writes one output file per file (atomic rename) and logs every execution; many attempts allowed.
 * - poison:   crashes the whole process (SIGSEGV) on any file whose name contains "poison".
 * - after:    depends on trivial.
 * - broken:   fails with a stage fault (circuit breaker); preflight pauses it when TEST_BROKEN_PREFLIGHT is set.
 * - slow:     sleeps TEST_SLOW_MS (default 60 s) on files named "*slow*", else returns at once.
 * - flaky:    fails the first TEST_FLAKY_FAILS (default 1) attempts of each file, counted in a file under cacheDir.
 */
import type { Db } from '../../src/catalog/open.js';
import type { StageDefinition } from '../../src/extract/stage.js';
import type { StageConfig } from '../../src/extract/registry.js';

const workerModule = new URL('./workers.js', import.meta.url).href;

export function stages(config: StageConfig): StageDefinition[] {
  const inserts = new WeakMap<Db, { run(...args: unknown[]): unknown }>();
  const commit = (db: Db, target: { fileId: number }, value: unknown, stage: string) => {
    let stmt = inserts.get(db);
    if (!stmt) {
      db.exec(`CREATE TABLE IF NOT EXISTS test_outputs (file_id INTEGER NOT NULL, stage TEXT NOT NULL, value TEXT)`);
      stmt = db.prepare(`INSERT INTO test_outputs (file_id, stage, value) VALUES (?, ?, ?)`);
      inserts.set(db, stmt);
    }
    stmt.run(target.fileId, stage, JSON.stringify(value));
  };
  const base = (name: string, over: Partial<StageDefinition> = {}): StageDefinition => ({
    name,
    version: Number(config.env[`TEST_VERSION_${name.toUpperCase()}`] ?? 1),
    lane: 'meta',
    maxAttempts: 3,
    dependsOn: [],
    workerModule,
    accepts: (f) => (f.kind === 'video' ? { ok: false, reason: 'videos are not handled by this stage' } : { ok: true }),
    options: () => ({ env: pick(config.env) }),
    commit: (db, target, value) => commit(db, target, value, name),
    ...over,
  });
  return [
    base('trivial'),
    base('crashtest', { lane: 'cpu', maxAttempts: 1000 }),
    base('poison', { lane: 'cpu' }),
    base('after', { dependsOn: ['trivial'] }),
    base('broken', {
      preflight: async () => (config.env.TEST_BROKEN_PREFLIGHT ? `the broken stage has no model: ${config.env.TEST_BROKEN_PREFLIGHT}` : null),
    }),
    base('slow', { lane: 'cpu', maxAttempts: 2 }),
    base('flaky'),
  ];
}

function pick(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('TEST_') && v !== undefined)) as Record<string, string>;
}
