/** Whether the catalog knows a path (a file, or a folder with files under it), for commands that take PATH args. */
import type { Db } from './sql.js';
import { statement } from './statements.js';

/** True when a file of any state is at `absolute` or below it (a folder). */
export function catalogKnowsPath(db: Db, absolute: string): boolean {
  // A range on the path index instead of a LIKE: '/' + 1 is '0', so [p/, p0) is everything below p.
  const below = absolute.endsWith('/') ? absolute : absolute + '/';
  const end = below.slice(0, -1) + '0';
  return statement(db, KNOWS_PATH).get({ absolute, below, end }) !== undefined;
}

const KNOWS_PATH = `SELECT 1 FROM files WHERE path = @absolute OR (path >= @below AND path < @end) LIMIT 1`;
const STAGES_WITH_TASKS = `SELECT DISTINCT stage FROM tasks ORDER BY stage`;

/** Stage names that have tasks in the catalog (stages from an older version or a plug-in included). */
export function stagesWithTasks(db: Db): string[] {
  return statement(db, STAGES_WITH_TASKS).pluck().all() as string[];
}
