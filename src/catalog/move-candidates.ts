import type { Db } from './sql.js';
import { statement } from './statements.js';
import { bothDialects, idList } from './dialect.js';
import { RECORD_COLUMNS, recordFromRow, type FileRecord } from './files.js';

/** A row this scan added whose identity matches an older row that no walk of this scan met. */
export interface MoveCandidate {
  addedId: number;
  oldId: number;
  oldPath: string;
  oldRootId: number;
}

// Deleted rows of any root, and live rows of roots this scan did not walk (a walked root's unmet rows were swept
// already). Same-identity rows are few, so the join is one index probe per added row.
const CANDIDATES = bothDialects(
  (d) => `SELECT a.id AS "addedId", o.id AS "oldId", o.path AS "oldPath", o.root_id AS "oldRootId"
  FROM files a JOIN files o ON o.identity = a.identity AND o.id <> a.id
  WHERE a.added_scan = @scanId AND a.state = 'present'
    AND (o.added_scan IS NULL OR o.added_scan <> @scanId)
    AND (o.state = 'deleted' OR o.root_id NOT IN ${idList(d, '@walked')})
  ORDER BY a.id, o.state = 'deleted', o.id`,
);
const RECORD = `SELECT ${RECORD_COLUMNS} FROM files WHERE id = ?`;
const ROWS_OF_ROOT = `SELECT count(*) FROM files WHERE root_id = ?`;

/**
 * Queries for the second move pass of a scan: files added by this scan that may be the new home of a file of a
 * root this scan did not walk (renamed, moved, unmounted) or of a file deleted earlier.
 */
export function moveCandidatesCatalog(db: Db) {
  return {
    /** Candidates in order: per added row, live rows before deleted ones, oldest first. */
    list(scanId: number, walkedRootIds: readonly number[]): MoveCandidate[] {
      return statement(db, CANDIDATES).all({ scanId, walked: JSON.stringify(walkedRootIds) }) as MoveCandidate[];
    },
    /** The added row as a record absorbMove takes. */
    record(id: number): (FileRecord & { id: number }) | undefined {
      return recordFromRow(statement(db, RECORD).get(id));
    },
    /** Rows of any state a root still has. */
    rowsOfRoot(rootId: number): number {
      return statement(db, ROWS_OF_ROOT).pluck().get(rootId) as number;
    },
  };
}
