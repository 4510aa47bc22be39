/**
 * `pg-search`: search on a PostgreSQL catalog against the same catalog in SQLite, measured in the same run. A
 * synthetic catalog of N photos with 512-d CLIP-like embeddings (search-scale-data.ts; BENCH_PG_SEARCH_N, default
 * 100,000, 20,000 with BENCH_QUICK) is written to SQLite and copied to a throwaway PostgreSQL server with `indexer
 * migrate`'s copy. On each, a first search (an empty cache dir: every embedding is read from the catalog into the
 * cache's vector file) and a second one (the file is scanned; only the candidates' rows are read), each in a process
 * of its own as `indexer search` runs (bench/pg-search-child.ts; the query vector stands in for the embedded text,
 * since no real CLIP model has these synthetic embeddings' dimensions). Below the ANN threshold, as the tests' sizes are.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCatalog } from '../src/catalog/open.js';
import { writeCatalog } from './search-scale-data.js';
import { loadText } from './pg-processes.js';
import { cloneToPg, serverOrSkip } from './pg-scale.js';

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pg-search-child.js');

interface Searched {
  /** The whole process, start-up included (what a user waits for, less the text's embedding). */
  wallMs: number;
  openMs: number;
  searchMs: number;
}

export async function benchPgSearch(o: { quick: boolean }): Promise<void> {
  const n = Number(process.env.BENCH_PG_SEARCH_N) || (o.quick ? 20_000 : 100_000);
  const server = await serverOrSkip();
  if (!server) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-bench-pg-search-'));
  try {
    const file = path.join(dir, 'catalog.db');
    const db = openCatalog(file);
    const t0 = performance.now();
    writeCatalog(db, n, path.join(dir, 'photos'));
    db.close();
    console.log(`search over ${n.toLocaleString('en')} synthetic 512-d embeddings (written to SQLite in ${((performance.now() - t0) / 1000).toFixed(1)} s); ${loadText()}`);
    const url = await cloneToPg(server, file, 'bench_search', true, false);
    // Fewer embeddings than the ANN threshold unless told: the full scan of the vector file, as at these sizes.
    const env = { ...process.env, INDEXER_SEARCH_ANN_MIN: process.env.INDEXER_SEARCH_ANN_MIN ?? String(10 * n) };
    const results: Record<string, Searched[]> = { SQLite: [], PostgreSQL: [] };
    // SQLite, PostgreSQL, then PostgreSQL, SQLite: a change in the machine's other load falls on both.
    for (const [name, target] of [['SQLite', file], ['PostgreSQL', url], ['PostgreSQL', url], ['SQLite', file]] as const) {
      const cache = fs.mkdtempSync(path.join(dir, 'cache-'));
      const first = searchOnce(target, cache, 1, env);
      const second = searchOnce(target, cache, 2, env);
      results[name]!.push(first, second);
      console.log(`  ${`${name}:`.padEnd(12)} first search ${fmt(first)}; second ${fmt(second)}`);
    }
    const best = (name: string, which: 0 | 1) => Math.min(...results[name]!.filter((_, i) => i % 2 === which).map((r) => r.wallMs));
    for (const [label, which] of [['first search', 0], ['second search', 1]] as const) {
      const ratio = best('PostgreSQL', which) / best('SQLite', which);
      console.log(`  ${label} (best of 2, whole process): PostgreSQL ${best('PostgreSQL', which).toFixed(0)} ms, SQLite ${best('SQLite', which).toFixed(0)} ms: ratio ${ratio.toFixed(2)}`);
    }
    console.log(`  ${loadText()}`);
  } finally {
    server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function searchOnce(target: string, cache: string, seed: number, env: NodeJS.ProcessEnv): Searched {
  const t = performance.now();
  const r = spawnSync(process.execPath, [child, target, cache, String(seed)], { env, encoding: 'utf8' });
  const wallMs = performance.now() - t;
  if (r.status !== 0) throw new Error(`search on ${target.startsWith('postgres') ? 'PostgreSQL' : 'SQLite'} failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { openMs: number; searchMs: number; hits: number };
  if (out.hits !== 20) throw new Error(`search found ${out.hits} files, expected 20`);
  return { wallMs, openMs: out.openMs, searchMs: out.searchMs };
}

function fmt(r: Searched): string {
  return `${r.wallMs.toFixed(0)} ms (open ${r.openMs.toFixed(0)} ms, search ${r.searchMs.toFixed(0)} ms)`;
}
