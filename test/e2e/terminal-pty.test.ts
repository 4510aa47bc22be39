/** Progress on a real (pseudo-)terminal, rendered as the user would see it: Ctrl-C while bars are drawn. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { binPath, repoRoot, sandbox } from './helpers.js';
import { openCatalog } from '../../src/catalog/open.js';
import { addFile, addRoot } from '../tasks/helpers.js';

const hasPython = spawnSync('python3', ['-c', 'import pty, termios']).status === 0;

test('Ctrl-C while bars are drawn: the message is whole, each bar is on screen once, the run says how to resume', { skip: !hasPython && 'needs python3 (pty)' }, (t) => {
  const box = sandbox('indexer-pty-');
  t.after(() => box.cleanup());
  const db = openCatalog(box.db);
  const root = addRoot(db, path.join(box.dir, 'photos'));
  for (const n of ['slow-1.jpg', 'slow-2.jpg', 'a.jpg', 'b.jpg']) addFile(db, root, { path: path.join(box.dir, 'photos', n), kind: 'image' });
  db.close();
  const r = spawnSync('python3', [path.join(repoRoot, 'test', 'e2e', 'pty-screen.py'), process.execPath, binPath, '--db', box.db, '--cache-dir', box.cache, 'resume', '--stages', 'slow,trivial', '--threads', '2'], {
    encoding: 'utf8',
    env: {
      ...process.env,
      TERM: 'xterm',
      INDEXER_EXTRA_STAGES: path.join(repoRoot, 'dist/test/fixtures-stages/stages.js'),
      TEST_SLOW_MS: '60000',
      INDEXER_DRAIN_MS: '300',
      SIGINT_WHEN: 'trivial [',
    },
  });
  assert.equal(r.status, 0, r.stderr);
  const screen = r.stdout;
  const lines = screen.split('\n');
  // 80 columns: the message wraps onto a second row, and nothing of a bar is left beside it.
  assert.equal(lines.join('').includes('interrupted: letting running tasks finish for a few seconds (Ctrl-C again to quit now)'), true, screen);
  assert.equal(lines.filter((l) => l.includes('slow    [')).length, 1, screen);
  assert.equal(lines.filter((l) => l.includes('trivial [')).length, 1, screen);
  assert.match(screen, /^interrupted: \d+ tasks left pending; run 'indexer resume' to finish them$/m);
});
