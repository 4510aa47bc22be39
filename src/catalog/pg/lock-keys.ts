/**
 * Advisory lock keys of a PostgreSQL catalog (advisory locks are scoped to the database, so one catalog's keys never
 * meet another's). Kept in a module of their own so the writer session loads nothing else of the PostgreSQL side.
 */
export const MIGRATE_LOCK_KEY = 0x696e_6478_0001; // 'indx' + 1
export const WRITER_LOCK_KEY = 0x696e_6478_0002;
/** Held by each planning transaction (task-plan.ts's lockPlanning) until it commits. */
export const PLAN_LOCK_KEY = 0x696e_6478_0003;
