import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cacheWriteProblem } from '../../src/tasks/cache-check.js';
import { tempDir } from '../clip-helpers.js';

test("the cache check leaves no probe behind, and removes one a killed run left", () => {
  const cache = path.join(tempDir('cache-check'), 'cache');
  assert.equal(cacheWriteProblem(cache), null);
  assert.deepEqual(fs.readdirSync(cache), []);
  // A run killed between writing its probe and removing it: the next run's check takes it away.
  fs.writeFileSync(path.join(cache, '.indexer-write-test'), '');
  assert.equal(cacheWriteProblem(cache), null);
  assert.deepEqual(fs.readdirSync(cache), []);
});

test('a cache that cannot be written is named, with what to do', () => {
  const blocked = path.join(tempDir('cache-check'), 'cache');
  fs.writeFileSync(blocked, 'a file where the cache folder should be');
  assert.match(cacheWriteProblem(blocked) ?? '', /the cache .*cache is not writable .*--cache-dir/);
});
