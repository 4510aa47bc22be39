/**
 * Nothing changes on SQLite: its pages hold a 2 KB vector in the row already. The PostgreSQL twin keeps embeddings'
 * vectors in their rows (see pg/013-embeddings-in-row.ts); the lists stay the same length on both backends.
 */
export const embeddingsInRow = `
-- SQLite: no change (PostgreSQL storage setting only)
`;
