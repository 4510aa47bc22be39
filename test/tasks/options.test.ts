/** Phase-2 options resolved once into typed values (tasks/options.ts), from the CLI's flags or from another caller. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { Command } from 'commander';
import { addAllPhase2Options } from '../../src/cli/phase2-flags.js';
import { resolveOptions } from '../../src/tasks/options.js';
import { noteFor } from '../../src/tasks/phase2-summary.js';
import { thumbnailDefaults } from '../../src/extract/thumbnail/options.js';
import { UserError } from '../../src/errors.js';

function flags(args: string[]): Record<string, unknown> {
  const cmd = addAllPhase2Options(new Command('scan').exitOverride().configureOutput({ writeErr: () => {} }));
  cmd.parse(args, { from: 'user' });
  return cmd.opts();
}

test('the flags of scan and resume resolve into engine, thumbnail, clip and output options', () => {
  const opts = flags(['--stages', 'thumbnail, clip', '--priority', 'high', '--max-duration', '20m', '--task-timeout', '0', '--threads', '1']);
  const more = flags(['--device', 'cpu', '--batch-size', '8', '--model', 'tiny-clip', '--thumb-size', '300']);
  const r = resolveOptions({ ...opts, ...more, json: true, verbose: true }, {});
  assert.deepEqual(r.engine, { stages: ['thumbnail', 'clip'], priority: 0, maxDurationMs: 1_200_000, maxDurationGivenMs: 1_200_000, maxTasks: undefined, taskTimeoutMs: undefined, threads: 1 });
  assert.deepEqual(r.clip, { model: 'tiny-clip', device: 'cpu', batchSize: 8, verbose: true });
  assert.deepEqual(r.thumbnail, { ...thumbnailDefaults, thumbSize: 300 });
  assert.deepEqual(r.output, { json: true, quiet: false, verbose: true });
});

test('without flags: all stages, a 5 minute task timeout, one thread per CPU, auto device and the default batch', () => {
  const r = resolveOptions(flags([]), {});
  assert.equal(r.engine.stages, null);
  assert.equal(r.engine.taskTimeoutMs, 5 * 60_000);
  assert.equal(r.engine.threads, Math.max(1, os.availableParallelism()));
  assert.deepEqual(r.clip, { model: undefined, device: 'auto', batchSize: 16, verbose: false });
  assert.equal(resolveOptions({}, { INDEXER_THREADS: '1' }).engine.threads, 1);
});

test('values from a caller that did not parse them are checked, and a bad one is a usage error naming its flag', () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ device: 'tpu' }, /^--device must be one of auto, cpu, cuda, webgpu, got 'tpu'$/],
    [{ batchSize: 0 }, /^--batch-size must be a positive integer, got '0'$/],
    [{ maxDuration: 'soon' }, /^--max-duration: 'soon' is not a duration/],
    [{ maxTasks: 2.5 }, /^--max-tasks must be a positive integer/],
    [{ taskTimeout: -1 }, /^--task-timeout: '-1' is not a duration/],
    [{ thumbFormat: 'bmp' }, /^--thumb-format must be one of webp, jpeg, png, avif, got 'bmp'$/],
    [{ pixelLimit: 'lots' }, /^--pixel-limit must be a positive pixel count like 200M, got 'lots'$/],
    [{ threads: 100_000 }, /^--threads must be at most \d+/],
    [{ priority: 'urgent' }, /^--priority must be high, normal or low/],
    [{ model: 42 }, /^--model must be a directory or a model name$/],
  ];
  for (const [opts, message] of bad) {
    assert.throws(
      () => resolveOptions(opts, {}),
      (err: unknown) => err instanceof UserError && err.code === 2 && message.test(err.message),
      JSON.stringify(opts),
    );
  }
  assert.throws(() => resolveOptions({}, { INDEXER_THREADS: 'many' }), /^UserError: INDEXER_THREADS must be a positive integer/);
});

test('raw text from such a caller is parsed as the flag would be', () => {
  const r = resolveOptions({ maxDuration: '90s', maxTasks: '12', pixelLimit: '200M', thumbSize: '320' }, {});
  assert.equal(r.engine.maxDurationMs, 90_000);
  assert.equal(r.engine.maxTasks, 12);
  assert.equal(r.thumbnail.pixelLimit, 200_000_000);
  assert.equal(r.thumbnail.thumbSize, 320);
});

test("a worker's later round, handed what is left of --max-duration, still names the user's limit in its note", () => {
  // The worker's second round gets 999 ms of a 1 s --max-duration; the note must say 1s, the flag the user gave.
  const round = resolveOptions({ maxDuration: 999, maxDurationGiven: 1000 }, {}).engine;
  assert.equal(round.maxDurationMs, 999);
  assert.equal(noteFor('max-duration', new Map(), round, null), 'stopped at --max-duration 1s');
  const scan = resolveOptions({ maxDuration: 999 }, {}).engine;
  assert.equal(noteFor('max-duration', new Map(), scan, null), 'stopped at --max-duration 999ms');
});
