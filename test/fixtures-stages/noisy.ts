/**
 * A stage whose worker prints the way some libraries do (console.log, console.error, process.stdout.write, and a log
 * from a timer while the task is still running), then fails on files named "*bad*". Plugged in with
 * INDEXER_EXTRA_STAGES=dist/test/fixtures-stages/noisy.js; nothing it prints may reach the CLI's stdout.
 */
import type { StageDefinition, StageOutcome, TaskInput } from '../../src/extract/stage.js';

export const stages: StageDefinition[] = [
  {
    name: 'noisy',
    version: 1,
    lane: 'cpu',
    maxAttempts: 1,
    dependsOn: [],
    workerModule: import.meta.url,
    accepts: () => ({ ok: true }),
    options: () => ({}),
    commit: () => {},
  },
];

export async function run(input: TaskInput): Promise<StageOutcome> {
  console.log('noisy library says', { code: 7, message: `decoder error for ${input.fileId}` });
  process.stdout.write('raw stdout write\n');
  console.error('noisy stderr');
  await new Promise<void>((resolve) =>
    setTimeout(() => {
      console.log('late timer log');
      resolve();
    }, 5),
  );
  if (input.path.includes('bad')) return { status: 'failed', reason: `${input.path}: cannot decode`, retryable: false };
  return { status: 'done', value: null };
}
