/**
 * With --json, stdout is NDJSON and nothing else: what libraries print in worker threads (libheif-js logs decode
 * errors with console.log) is kept for the task's reason, never written to the CLI's stdout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { lastJson, makeTree, repoRoot, sandbox } from './helpers.js';

const noisyStage = path.join(repoRoot, 'dist', 'test', 'fixtures-stages', 'noisy.js');
const corrupt = path.join(repoRoot, '..', 'shared', 'corpus', 'corrupt');

/** Every stdout line parsed as JSON (throws, naming the line, on the first that is not). */
function parseLines(stdout: string): any[] {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      try {
        return JSON.parse(line);
      } catch {
        throw new Error(`stdout line is not JSON: ${line.slice(0, 200)}`);
      }
    });
}

test('--json: what a stage worker prints stays off stdout and a failed task keeps it in its reason', async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const root = path.join(sb.dir, 'lib');
  makeTree(root, { 'good.jpg': 'g', 'bad.jpg': 'b' });
  const res = await sb.run(['--json', 'scan', root, '--stages', 'noisy'], { env: { INDEXER_EXTRA_STAGES: noisyStage } });
  assert.equal(res.code, 0, res.stderr);
  const lines = parseLines(res.stdout);
  assert.ok(!res.stderr.includes('noisy stderr'), 'worker stderr writes are captured too');
  const failed = lines.filter((l) => l.event === 'task failed');
  assert.equal(failed.length, 1);
  assert.match(failed[0].reason, /bad\.jpg: cannot decode \(library output: .*noisy library says: decoder error for \d+/);
  assert.match(failed[0].reason, /late timer log/);
  assert.equal(lastJson(res.stdout).extract.stages.noisy.done, 1);
});

test('--json scan of the corrupt corpus: every stdout line parses, HEIC decoder logs land in reasons', { skip: !fs.existsSync(corrupt) && 'needs ../shared/corpus' }, async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const res = await sb.run(['--json', 'scan', corrupt, '--stages', 'thumbnail'], { timeoutMs: 180_000 });
  assert.equal(res.code, 0, res.stderr);
  const lines = parseLines(res.stdout);
  assert.ok(!/Decoding image failed/.test(res.stderr), 'nor on stderr');
  const reasons = lines.filter((l) => l.event === 'task failed').map((l) => String(l.reason));
  // libheif's own words reach the reason (through its return value, or what it logged during the call).
  assert.ok(reasons.some((r) => /cannot decode HEIC: (Could not parse HEIF file|Decoding image failed)/.test(r)), 'the decoder logs became reasons');
});
