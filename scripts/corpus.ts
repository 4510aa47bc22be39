/**
 * `npm run test:corpus`: indexes ../shared/corpus (or DIR) with the real CLI (thumbnail, exif and xmp stages) into a
 * throw-away catalog, then prints done/failed/skipped per folder and stage with the most common reasons.
 * Fails (exit 1) when the run crashed, hung past the watchdog, or left tasks unfinished.
 *   node dist/scripts/corpus.js [DIR] [--threads N] [--keep]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCatalog } from '../src/catalog/open.js';
import { stageOutcomes } from '../src/catalog/metadata.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WATCHDOG_MS = 20 * 60_000;

interface Tally {
  [state: string]: number;
}

async function runIndexer(args: string[]): Promise<{ code: number | null; signal: string | null; ms: number; stderr: string }> {
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(repo, 'bin', 'indexer.js'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), WATCHDOG_MS);
  const [code, signal] = (await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])))) as [number | null, string | null];
  clearTimeout(timer);
  return { code, signal, ms: performance.now() - started, stderr };
}

/** "corrupt/fuzz/x.jpg" -> "corrupt/fuzz"; "large/x.jpg" -> "large". */
function folderOf(corpus: string, file: string): string {
  const parts = path.relative(corpus, file).split(path.sep);
  return parts.length > 2 ? parts.slice(0, 2).join('/') : parts.length === 2 ? parts[0]! : '.';
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const keep = argv.includes('--keep');
  const threadsAt = argv.indexOf('--threads');
  const threads = threadsAt >= 0 ? argv[threadsAt + 1]! : String(os.availableParallelism());
  const corpus = path.resolve(argv.find((a, i) => !a.startsWith('--') && argv[i - 1] !== '--threads') ?? path.join(repo, '..', 'shared', 'corpus'));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-corpus-'));
  const db = path.join(work, 'catalog.db');
  console.log(`indexing ${corpus} into ${work} (threads ${threads}) ...`);
  const run = await runIndexer([
    '--db', db, '--cache-dir', path.join(work, 'cache'), '--quiet',
    'scan', corpus, '--stages', 'thumbnail,exif,xmp', '--threads', threads, '--task-timeout', '2m',
  ]);
  console.log(`indexer exited with ${run.signal ? `signal ${run.signal}` : `code ${run.code}`} after ${(run.ms / 1000).toFixed(1)} s`);
  const errors = run.stderr.split('\n').filter((l) => l && !l.startsWith('failed: '));
  if (errors.length) console.log(`stderr (other than per-file failures):\n  ${errors.slice(0, 20).join('\n  ')}`);

  const catalog = openCatalog(db, { readonly: true });
  const rows = stageOutcomes(catalog);
  catalog.close();
  const byFolder = new Map<string, Map<string, Tally>>();
  const reasons = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const folder = folderOf(corpus, r.path);
    const stages = byFolder.get(folder) ?? new Map<string, Tally>();
    byFolder.set(folder, stages);
    const tally = stages.get(r.stage) ?? {};
    stages.set(r.stage, tally);
    tally[r.state] = (tally[r.state] ?? 0) + 1;
    if (r.reason && (r.state === 'failed' || r.state === 'skipped')) {
      const key = `${r.state} [${r.stage}] ${r.reason.split(r.path + ': ').join('').replace(/\d{3,}/g, 'N')}`;
      const m = reasons.get(folder) ?? new Map<string, number>();
      reasons.set(folder, m);
      m.set(key, (m.get(key) ?? 0) + 1);
    }
  }
  let unfinished = 0;
  for (const folder of [...byFolder.keys()].sort()) {
    console.log(`\n${folder}`);
    for (const [stage, t] of [...byFolder.get(folder)!.entries()].sort()) {
      const pending = (t.pending ?? 0) + (t.running ?? 0);
      unfinished += pending;
      console.log(`  ${stage.padEnd(10)} ${t.done ?? 0} done, ${t.failed ?? 0} failed, ${t.skipped ?? 0} skipped${pending ? `, ${pending} UNFINISHED` : ''}`);
    }
    const top = [...(reasons.get(folder) ?? new Map()).entries()].sort((a, b) => b[1] - a[1]).slice(0, 6);
    for (const [reason, n] of top) console.log(`    ${String(n).padStart(4)} × ${reason.length > 150 ? reason.slice(0, 147) + '...' : reason}`);
  }
  console.log(`\n${rows.length} tasks over ${new Set(rows.map((r) => r.path)).size} files`);
  if (!keep) fs.rmSync(work, { recursive: true, force: true });
  const ok = run.code === 0 && !run.signal && unfinished === 0;
  console.log(ok ? 'corpus run: OK (no crash, no hang, nothing left unfinished)' : 'corpus run: FAILED');
  return ok ? 0 : 1;
}

process.exitCode = await main();
