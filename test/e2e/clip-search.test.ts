/**
 * End to end through the real CLI with the tiny test model: scan (thumbnail -> clip) stores embeddings, `search`
 * ranks by text and by example, filters apply, a model switch re-embeds, and no model pauses only the clip stage.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { colours, tempDir, tinyModel, tinyModelB, type Rgb } from '../clip-helpers.js';
import { indexer } from './clip-cli.js';

async function photoTree(): Promise<{ dir: string; root: string; args: string[] }> {
  const dir = tempDir('e2e-clip');
  const root = path.join(dir, 'photos with spaces');
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  const write = (name: string, rgb: Rgb) =>
    sharp({ create: { width: 240, height: 160, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
      .jpeg()
      .toFile(path.join(root, name));
  await write('red.jpg', colours.red!);
  await write('sub/grön.jpg', colours.green!);
  await write('blue.jpg', colours.blue!);
  await write('yellow.jpg', colours.yellow!);
  return { dir, root, args: ['--db', path.join(dir, 'catalog.db'), '--cache-dir', path.join(dir, 'cache')] };
}

const env = (dir: string) => ({ XDG_DATA_HOME: path.join(dir, 'data'), XDG_CACHE_HOME: path.join(dir, 'xdg-cache') });

test('scan --model embeds; search by text, --json, --like, --html; model switch re-embeds', async () => {
  const t = await photoTree();
  const scan = await indexer([...t.args, 'scan', t.root, '--model', tinyModel, '--device', 'cpu'], env(t.dir));
  assert.equal(scan.code, 0, scan.stderr);

  const text = await indexer([...t.args, 'search', 'a red photo'], env(t.dir));
  assert.equal(text.code, 0, text.stderr);
  const lines = text.stdout.trim().split('\n');
  assert.equal(lines.length, 4);
  assert.match(lines[0]!, /^\d\.\d{3} {2}.*photos with spaces\/red\.jpg$/);

  const json = await indexer([...t.args, 'search', 'green', '--json', '-n', '2'], env(t.dir));
  const parsed = JSON.parse(json.stdout) as { path: string; score: number }[];
  assert.equal(parsed.length, 2);
  assert.deepEqual(Object.keys(parsed[0]!), ['path', 'score']);
  assert.equal(parsed[0]!.path, path.join(t.root, 'sub/grön.jpg'));
  assert.ok(parsed[0]!.score > parsed[1]!.score);

  const like = await indexer([...t.args, 'search', '--like', path.join(t.root, 'blue.jpg'), '--json', '--html', path.join(t.dir, 'sheet.html')], env(t.dir));
  assert.equal(like.code, 0, like.stderr);
  assert.equal((JSON.parse(like.stdout) as { path: string }[])[0]!.path, path.join(t.root, 'blue.jpg'));
  const sheet = fs.readFileSync(path.join(t.dir, 'sheet.html'), 'utf8');
  assert.match(sheet, /<img loading="lazy" src="file:\/\/.*\.webp"/);
  assert.equal((sheet.match(/<figure>/g) ?? []).length, 4);

  // Switch models: every clip task re-arms and the stored vectors now come from tiny-clip-b (5 wide).
  const again = await indexer([...t.args, '--json', 'scan', '--model', tinyModelB, '--device', 'cpu'], env(t.dir));
  assert.equal(again.code, 0, again.stderr);
  const summary = JSON.parse(again.stdout.trim().split('\n').pop()!) as { extract?: Record<string, unknown> };
  assert.ok(summary.extract, again.stdout);
  const after = await indexer([...t.args, 'search', 'yellow', '--json'], env(t.dir));
  assert.equal((JSON.parse(after.stdout) as { path: string }[])[0]!.path, path.join(t.root, 'yellow.jpg'));
  const status = JSON.parse((await indexer([...t.args, 'status', '--json'], env(t.dir))).stdout) as {
    stages: Record<string, Record<string, number>>;
  };
  assert.equal(status.stages.clip!.done, 4);

  // The cron form, without --model: the model last given is kept, nothing is re-armed or re-embedded.
  const cron = await indexer([...t.args, '--json', 'scan'], env(t.dir));
  assert.equal(cron.code, 0, cron.stderr);
  const extract = (JSON.parse(cron.stdout.trim().split('\n').pop()!) as { extract: { rearmed: number; stages: Record<string, { done: number; pending: number }> } }).extract;
  assert.equal(extract.rearmed, 0);
  assert.deepEqual([extract.stages.clip!.done, extract.stages.clip!.pending], [0, 0]);
});

test('no model installed: the clip stage pauses with one hint, the other stages finish, exit 0', async () => {
  const t = await photoTree();
  const scan = await indexer([...t.args, 'scan', t.root], env(t.dir));
  assert.equal(scan.code, 0, scan.stderr);
  assert.match(scan.stdout + scan.stderr, /no CLIP model: run 'indexer models pull ViT-B-32' or pass --model DIR/);
  const status = JSON.parse((await indexer([...t.args, 'status', '--json'], env(t.dir))).stdout) as {
    stages: Record<string, Record<string, number>>;
  };
  assert.equal(status.stages.thumbnail!.done, 4);
  assert.equal(status.stages.clip!.pending, 4);
  assert.equal(status.stages.clip!.failed ?? 0, 0);
  // Installing a model later and resuming finishes the clip work.
  fs.cpSync(tinyModel, path.join(t.dir, 'data/indexer/models/tiny-clip'), { recursive: true });
  const resume = await indexer([...t.args, 'resume'], env(t.dir));
  assert.equal(resume.code, 0, resume.stderr);
  const red = await indexer([...t.args, 'search', 'red', '--json', '-n', '1'], env(t.dir));
  assert.equal((JSON.parse(red.stdout) as { path: string }[])[0]!.path, path.join(t.root, 'red.jpg'));
});

test('search: bad input exits 2 with one line', async () => {
  const t = await photoTree();
  const cases: [string[], RegExp][] = [
    [['search'], /needs a QUERY or --like IMAGE/],
    [['search', 'x', '--after', 'yesterday'], /--after wants a date like 2024-06-01/],
    [['search', 'x', '--min-rating', '9'], /--min-rating must be an integer from -1 to 5/],
    [['search', 'x', '-n', '0'], /--limit must be a positive integer/],
  ];
  for (const [args, message] of cases) {
    const r = await indexer([...t.args, ...args], env(t.dir));
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
