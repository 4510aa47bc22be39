/**
 * A cache shared by hosts (NFS): a sweep judges by pid only the temp files written on this host; another host's
 * (its pid means nothing here) are left to that host's own runs.
 */
import '../temp.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cacheTempName, sweepOrphanedTemps } from '../../src/extract/cache-temps.js';

test('the sweep removes this host\'s dead writers\' temp files and keeps other hosts\' and live ones', async () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-temps-host-'));
  const shard = path.join(cache, 'thumbs', 'ab', 'cd');
  fs.mkdirSync(shard, { recursive: true });
  const deadPid = 4_000_000;
  const ours = cacheTempName(path.join(shard, 'a.webp'));
  assert.match(path.basename(ours), new RegExp(`^a\\.webp\\.${process.pid}\\.[0-9a-z]+-[0-9a-f]{8}\\.tmp$`));
  const oursDead = ours.replace(`.${process.pid}.`, `.${deadPid}.`);
  const otherHost = oursDead.replace(/-[0-9a-f]{8}\.tmp$/, '-00000000.tmp');
  const legacy = path.join(shard, `b.webp.${deadPid}.k3j2x.tmp`);
  const live = path.join(shard, `c.webp.${process.ppid}.zz-${ours.slice(-12, -4)}.tmp`);
  for (const f of [oursDead, otherHost, legacy, live]) fs.writeFileSync(f, 'partial');
  const alive = (pid: number) => pid !== deadPid;
  const swept = await sweepOrphanedTemps(cache, alive, process.pid);
  assert.equal(swept.removed, 2);
  assert.deepEqual(fs.readdirSync(shard).sort(), [path.basename(otherHost), path.basename(live)].sort());
  fs.rmSync(cache, { recursive: true, force: true });
});
