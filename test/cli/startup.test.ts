/**
 * Start-up: each command loads only what it needs (src/cli/main.ts, src/cli/commands/*). Help, usage errors and a
 * phase-1 scan must not wait for the engine, sharp, ONNX Runtime or search; they still behave as before. Each child
 * runs with a recorder of the modules it loads (load-recorder.ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { pathToFileURL } from 'node:url';
import { makeTree, sandbox, type RunResult, type Sandbox } from '../e2e/helpers.js';

const recorder = pathToFileURL(path.join(import.meta.dirname, 'load-recorder.js')).href;

/** Runs the CLI and returns its result with the URLs of every module it loaded (all threads). */
async function runRecorded(sb: Sandbox, args: string[]): Promise<RunResult & { loaded: string[] }> {
  const list = path.join(sb.dir, `loaded-${Math.random().toString(36).slice(2)}.txt`);
  const res = await sb.run(args, { env: { NODE_OPTIONS: `--import=${recorder}`, INDEXER_TEST_LOADED: list } });
  const loaded = fs.existsSync(list) ? fs.readFileSync(list, 'utf8').split('\n').filter(Boolean) : [];
  assert.ok(loaded.some((u) => u.endsWith('/src/cli/main.js')), 'the recorder saw the CLI load');
  return { ...res, loaded };
}

/** The heavy modules a command must not load unless it runs phase 2 or a search. */
const heavy = [/\/node_modules\/sharp\//, /\/node_modules\/piscina\//, /\/src\/tasks\/phase2\.js$/, /\/src\/search\/search\.js$/];

function assertNoneLoaded(loaded: string[], patterns: RegExp[]): void {
  for (const re of patterns) assert.deepEqual(loaded.filter((u) => re.test(u)), [], `${re} loaded`);
}

test('--help lists every command and exits 0 without loading the engine, sharp or search', async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const res = await runRecorded(sb, ['--help']);
  assert.equal(res.code, 0, res.stderr);
  for (const cmd of ['scan', 'resume', 'status', 'retry', 'cancel', 'info', 'search', 'models']) {
    assert.match(res.stdout, new RegExp(`^  ${cmd} `, 'm'), `${cmd} in help`);
  }
  // Nor ONNX Runtime: the models command loads it only when a subcommand runs.
  assertNoneLoaded(res.loaded, [...heavy, /\/node_modules\/onnxruntime-node\//]);
});

test('resume --help still lists the phase-2 flags; a bad value exits 2 with one line before the engine loads', async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const help = await runRecorded(sb, ['resume', '--help']);
  assert.equal(help.code, 0, help.stderr);
  for (const flag of ['--stages', '--max-duration', '--max-tasks', '--wait']) assert.ok(help.stdout.includes(flag), flag);
  const bad = await runRecorded(sb, ['resume', '--max-tasks', 'x']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: .*--max-tasks must be a positive integer, got 'x'\n$/);
  assertNoneLoaded(bad.loaded, [...heavy, /\/node_modules\/onnxruntime-node\//]);
});

test('search with no query exits 2 before any model code loads', async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const res = await runRecorded(sb, ['search']);
  assert.equal(res.code, 2);
  assert.match(res.stderr, /^indexer: search needs a QUERY or --like IMAGE/);
  assertNoneLoaded(res.loaded, [...heavy, /\/node_modules\/onnxruntime-node\//]);
});

test('scan --no-extract loads no extraction code; bad usage still exits 2 with the walker thread prewarmed', async (t) => {
  const sb = sandbox();
  t.after(() => sb.cleanup());
  const root = path.join(sb.dir, 'photos');
  makeTree(root, { 'a/IMG_1.jpg': 'x' });
  const res = await runRecorded(sb, ['--json', 'scan', '--no-extract', root]);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(JSON.parse(res.stdout).scan.new, 1);
  assertNoneLoaded(res.loaded, [...heavy, /\/node_modules\/onnxruntime-node\//]);
  assert.ok(res.loaded.some((u) => u.endsWith('/src/scan/walk-thread.js')), 'the walk ran on its thread');
  const bad = await sb.run(['scan', '--settle', 'soon', root], { timeoutMs: 20_000 });
  assert.equal(bad.signal, null, 'exits by itself: the prewarmed thread does not hold the process');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /'soon' is not a duration/);
});
