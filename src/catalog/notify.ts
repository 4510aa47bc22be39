/**
 * "New work" between processes sharing a catalog. On PostgreSQL, a process that planned tasks announces it with
 * NOTIFY, and `indexer worker --follow` is woken through LISTEN. SQLite has no such channel: announcing does nothing
 * and subscribing returns a no-op unsubscribe, so callers poll (they poll slowly on PostgreSQL too, as a fallback).
 */
import type { Db } from './sql.js';

export const NEW_TASKS_CHANNEL = 'indexer_tasks';

/** Tells listening workers that tasks were planned (on PostgreSQL, at the commit of the current transaction). */
export function announceNewTasks(db: Db): void {
  db.notify?.(NEW_TASKS_CHANNEL);
}

/**
 * Calls `wake` when another process announces new tasks, and when the listening connection returns after an outage.
 * Returns the unsubscribe. On SQLite it never calls `wake`: poll.
 */
export function onNewTasks(db: Db, wake: () => void): () => void {
  return db.onNotify?.(NEW_TASKS_CHANNEL, () => wake()) ?? (() => undefined);
}
