/**
 * Two things a shared (PostgreSQL) catalog needs, one migration on both backends:
 * - Paths compare byte by byte, so a folder's files are one range of the path index ([dir/, dir0), see
 *   known-paths.ts). SQLite's BINARY collation already does; on PostgreSQL a database's default collation
 *   (en_US.UTF-8, ICU) folds case and accents, so the PostgreSQL twin gives the path columns COLLATE "C".
 * - runs.heartbeat_at: when a run last said it was alive (at its start, then with each lease heartbeat). A run of a
 *   host that died stays 'running' in its row; once its heartbeat is old enough, status and recovery call it
 *   crashed (runs.ts). Null for runs recorded before this migration.
 */
export const pathOrderRunHeartbeat = `
ALTER TABLE runs ADD COLUMN heartbeat_at INTEGER;
`;
