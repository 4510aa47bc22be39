/** The README's crontab recipe, run as cron would on an account that has nothing yet. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { binPath, repoRoot, sandbox } from './helpers.js';

/** The crontab block in README.md: its environment lines and the command of its one schedule line. */
function readmeCrontab(): { env: string[]; command: string } {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const block = /```cron\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'README has a ```cron block');
  const lines = block[1]!.trim().split('\n');
  const schedule = lines.filter((l) => /^[\d*]/.test(l));
  assert.equal(schedule.length, 1);
  return { env: lines.filter((l) => /^[A-Z_]+=/.test(l)), command: schedule[0]!.split(/\s+/).slice(5).join(' ') };
}

test("the README's crontab line works as is on a new account and logs one timestamped line per run", async (t) => {
  const box = sandbox('indexer-cron-');
  t.after(() => box.cleanup());
  const home = path.join(box.dir, 'home');
  fs.mkdirSync(home);
  const { env, command } = readmeCrontab();
  assert.ok(env.some((l) => l.startsWith('PATH=')), 'the recipe sets a PATH (cron has only /usr/bin:/bin)');
  // Where `npm link` would have put `indexer`: a stand-in on the PATH the recipe's line adds to.
  const bin = path.join(box.dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'indexer'), `#!/bin/sh\nexec ${process.execPath} ${binPath} "$@"\n`, { mode: 0o755 });
  // Cron's environment: HOME, LOGNAME, SHELL=/bin/sh and the crontab's PATH; nothing else.
  const cronEnv = { HOME: home, LOGNAME: 'me', SHELL: '/bin/sh', PATH: `${bin}:/usr/bin:/bin` };
  const photos = path.join(box.dir, 'photos');
  fs.mkdirSync(photos);
  fs.cpSync(path.join(repoRoot, 'fixtures', 'photos', 'beach.jpg'), path.join(photos, 'beach.jpg'));
  const first = spawnSync('/bin/sh', ['-c', `indexer scan --no-extract ${photos}`], { env: cronEnv, encoding: 'utf8' });
  assert.equal(first.status, 0, first.stderr);

  for (let night = 1; night <= 2; night++) {
    const r = spawnSync('/bin/sh', ['-c', command], { env: { ...cronEnv, TZ: 'Asia/Kolkata' }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stdout + r.stderr, '', 'everything goes to the log');
  }
  const log = fs.readFileSync(path.join(home, '.local', 'state', 'indexer.log'), 'utf8');
  // Notices (here: no CLIP model installed) may come before each summary; one summary line per run.
  const lines = log.trim().split('\n').filter((l) => /^\d{4}-/.test(l));
  assert.equal(lines.length, 2, log);
  for (const line of lines) {
    assert.match(line, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+05:30 indexer scan: ok \(exit 0\) in \d+\.\ds; 0 new, 0 modified, 0 moved, 0 deleted, 1 unchanged, 0 errors; extract: \d+ done, 0 failed, 0 skipped, \d+ pending$/);
  }
});
