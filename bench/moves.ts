/**
 * moves benchmark (issue 13 item 14): a rescan that finds 850 files gone and 400 added, in a tree whose files all
 * share one content (empty files) against the same tree with unique contents, measured in the same run. Move
 * detection looks up each vanished file's identity among this scan's additions; shared content must not make that
 * quadratic. Goal: ratio shared/unique <= 1.5x (it was 40x: 32 s against 0.8 s). Timings are the rescan alone, in a
 * child process (CPU time, steadier than wall time on a shared machine). BENCH_QUICK=1 uses 5,000 files.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'indexer.js');
const PER_FOLDER = 200;
const GONE = 850;
const ADDED = 400;

export async function benchMoves(o: { quick: boolean }): Promise<void> {
  const files = o.quick ? 5_000 : 20_000;
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-bench-moves-'));
  try {
    const shared = rescanAfterMoves(path.join(base, 'shared'), files, () => '');
    const unique = rescanAfterMoves(path.join(base, 'unique'), files, (name) => name);
    console.log(`files: ${files}; rescan after ${GONE} removed and ${ADDED} added (CPU seconds of the rescan)`);
    console.log(`  unique contents:     ${unique.cpu.toFixed(3)}s CPU, ${unique.wall.toFixed(3)}s wall (${unique.summary})`);
    console.log(`  one shared content:  ${shared.cpu.toFixed(3)}s CPU, ${shared.wall.toFixed(3)}s wall (${shared.summary})`);
    console.log(`ratio shared/unique:   ${(shared.cpu / unique.cpu).toFixed(2)}x CPU (goal <= 1.5x), ${(shared.wall / unique.wall).toFixed(2)}x wall`);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

function rescanAfterMoves(dir: string, files: number, content: (name: string) => string) {
  const tree = path.join(dir, 'tree');
  const catalog = path.join(dir, 'catalog.db');
  const all: string[] = [];
  for (let i = 0; i < files; i++) {
    const folder = path.join(tree, `d${Math.floor(i / PER_FOLDER)}`);
    if (i % PER_FOLDER === 0) fs.mkdirSync(folder, { recursive: true });
    const file = path.join(folder, `f${i}.jpg`);
    fs.writeFileSync(file, content(file));
    all.push(file);
  }
  scan(catalog, tree);
  for (const file of all.slice(0, GONE)) fs.rmSync(file);
  fs.mkdirSync(path.join(tree, 'new'));
  for (let i = 0; i < ADDED; i++) {
    const file = path.join(tree, 'new', `n${i}.jpg`);
    // Unique contents: the added files are the first ADDED removed ones, renamed (so both trees see 400 moves).
    fs.writeFileSync(file, content(all[i]!));
  }
  return scan(catalog, tree);
}

function scan(catalog: string, tree: string): { wall: number; cpu: number; summary: string } {
  const report = `process.on('exit', () => { const u = process.resourceUsage(); process.stderr.write('\\n' + JSON.stringify({ cpu: (u.userCPUTime + u.systemCPUTime) / 1e6 }) + '\\n'); });`;
  const t0 = process.hrtime.bigint();
  const res = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(report)}`, bin, '--db', catalog, '--json', 'scan', '--no-extract', tree], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (res.status !== 0) throw new Error(`indexer scan exited ${res.status}: ${res.stderr}`);
  const s = JSON.parse(res.stdout.trim().split('\n').pop()!).scan;
  const cpu = JSON.parse(res.stderr.trim().split('\n').pop()!).cpu as number;
  return { wall, cpu, summary: `${s.moved} moved, ${s.deleted} deleted, ${s.new} new` };
}
