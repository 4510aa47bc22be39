/**
 * End to end: a phase 2 that ran the clip stage leaves the approximate search index in the cache dir once the
 * catalog is over the threshold (lowered here with INDEXER_SEARCH_ANN_MIN), search answers from it with the same
 * results as `--exact`, and below the threshold no index is made.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { colours, tempDir, tinyModel } from '../clip-helpers.js';
import { indexer } from './clip-cli.js';

async function tree(): Promise<{ dir: string; root: string; args: string[] }> {
  const dir = tempDir('e2e-ann');
  const root = path.join(dir, 'photos');
  fs.mkdirSync(root, { recursive: true });
  for (const [name, rgb] of Object.entries(colours)) {
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
      .jpeg()
      .toFile(path.join(root, `${name}.jpg`));
  }
  return { dir, root, args: ['--db', path.join(dir, 'catalog.db'), '--cache-dir', path.join(dir, 'cache')] };
}

const indexFiles = (dir: string) => {
  const search = path.join(dir, 'cache', 'search');
  return fs.existsSync(search) ? fs.readdirSync(search).filter((n) => /\.(ann\.json|usearch)$/.test(n)) : [];
};

test('scan builds the search index above the threshold; search answers from it as --exact does', async (t) => {
  const dir = await tree();
  t.after(() => fs.rmSync(dir.dir, { recursive: true, force: true }));
  const env = { XDG_DATA_HOME: path.join(dir.dir, 'data'), INDEXER_SEARCH_ANN_MIN: '2' };
  const scan = await indexer([...dir.args, 'scan', dir.root, '--model', tinyModel, '--device', 'cpu'], env);
  assert.equal(scan.code, 0, scan.stderr);
  assert.equal(indexFiles(dir.dir).length, 2, `index files: ${indexFiles(dir.dir).join(', ')}`);
  const approx = await indexer([...dir.args, '--json', 'search', 'red'], env);
  const exact = await indexer([...dir.args, '--json', 'search', 'red', '--exact'], env);
  assert.equal(approx.code, 0, approx.stderr);
  assert.equal(exact.code, 0, exact.stderr);
  assert.deepEqual(JSON.parse(approx.stdout), JSON.parse(exact.stdout));
  assert.equal((JSON.parse(approx.stdout) as unknown[]).length, Object.keys(colours).length);
});

test('below the threshold no index is written', async (t) => {
  const dir = await tree();
  t.after(() => fs.rmSync(dir.dir, { recursive: true, force: true }));
  const env = { XDG_DATA_HOME: path.join(dir.dir, 'data') };
  const scan = await indexer([...dir.args, 'scan', dir.root, '--model', tinyModel, '--device', 'cpu'], env);
  assert.equal(scan.code, 0, scan.stderr);
  assert.deepEqual(indexFiles(dir.dir), []);
});
