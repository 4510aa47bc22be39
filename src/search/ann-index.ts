/**
 * The approximate nearest-neighbour index search answers from on big catalogs: HNSW graphs over int8 copies of one
 * model's embeddings (usearch; this is the only module that loads it). It is a rebuildable cache, like the quantized
 * vector file: nothing about it lives in the catalog.
 *
 * The rows are split into shards of at most `shardRows` (1M) rows, each a graph of its own, searched one after the
 * other and merged by score. One graph over 10M clustered rows was measured to lose ~4% of its nodes (no search
 * reaches them, not even for their own vector with a beam of 5,000; at 1M none), which capped recall@20 at 0.97
 * whatever the beam; ten graphs of 1M keep every node reachable, build faster (HNSW costs n log n) in the memory
 * of one shard, and a phase 2 that adds a few photos rewrites only the shard they go to.
 *
 * On disk, per (catalog, model): `<base>.ann.json` (the manifest, replaced atomically) names each shard's index file
 * `<base>.g<N>.<tag>.s<i>.usearch` and its sorted key list `.keys` (int32, the file ids in that graph), current at
 * catalog generation N. Readers map the index files (usearch `view`), so a query touches only the graph nodes it
 * visits. Writers write new files, then swap the manifest, then delete the files no longer named; a reader that
 * loses that race falls back to the full scan.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import usearch, { type Index } from 'usearch';
import { sortedHas } from './quantized.js';
import { cacheTempName } from '../extract/cache-temps.js';

/**
 * Graph settings: 16 links per node, 128-wide beams while adding. The search beam is the number of results asked
 * for (ann-store.ts's beamFor: thousands), which usearch uses when it is wider than expansion_search. Measured on
 * the bench's 100k set: 32 links, f16 or f32 vectors, or centring before quantizing gave no better recall at a given
 * beam, at up to twice the build time or memory.
 */
const graph = { connectivity: 16, expansionAdd: 128, expansionSearch: 256 };
/** Rows added between checks of the abort signal (a few seconds of work on 2 cores). */
const addChunk = 10_000;

export interface AnnKey {
  modelId: string;
  dim: number;
}

/** One graph of the index: its file, its sorted key list, and how to tell the file is still the one written. */
export interface AnnShard {
  indexFile: string;
  keysFile: string;
  count: number;
  /** Size and digest (head and tail) of the index file: usearch trusts what it maps, so a damaged file is refused here. */
  indexBytes: number;
  indexDigest: string;
}

/** The manifest: which shards hold the index, and at which catalog generation of the model it was current. */
export interface AnnManifest extends AnnKey {
  generation: number;
  /** Rows over all shards. */
  count: number;
  shards: AnnShard[];
}

/** Rows per graph (the last one may hold fewer; shards that lost rows are not refilled). */
export const shardRows = 1_000_000;

export function manifestPath(base: string): string {
  return `${base}.ann.json`;
}

/** The manifest if it exists and is for this model and width; null otherwise. */
export function readManifest(base: string, key: AnnKey): AnnManifest | null {
  try {
    const m = JSON.parse(fs.readFileSync(manifestPath(base), 'utf8')) as AnnManifest;
    // A manifest from before shards (one graph file) has none: phase 2 builds the index again.
    if (m.modelId !== key.modelId || m.dim !== key.dim || !Number.isInteger(m.generation) || !Array.isArray(m.shards)) return null;
    return m;
  } catch {
    return null;
  }
}

function newIndex(dim: number): Index {
  return new usearch.Index({
    dimensions: dim,
    metric: usearch.MetricKind.IP,
    quantization: usearch.ScalarKind.I8,
    connectivity: graph.connectivity,
    expansion_add: graph.expansionAdd,
    expansion_search: graph.expansionSearch,
    multi: false,
  });
}

/** A mapped, read-only index: the file ids nearest the query by int8 score, best first (callers re-score exactly). */
export interface AnnReader {
  count: number;
  /** Each shard's best `width(its rows)`, merged best first. */
  nearest(query: Float32Array, width: (rows: number) => number): number[];
}

/**
 * The last reader opened per index: a process that searches again (several models, a long-running caller, the
 * bench) reuses the mappings instead of mapping the files again. Checked against the manifest's digests each time.
 */
const openReaders = new Map<string, { digest: string; reader: AnnReader }>();

/** Maps the shards the manifest names; null if a file is gone (replaced under us), damaged or unreadable. */
export function openReader(base: string, manifest: AnnManifest): AnnReader | null {
  const dir = path.dirname(base);
  try {
    if (!manifest.shards.every((shard) => intact(path.join(dir, shard.indexFile), shard))) return null;
    const digest = manifest.shards.map((shard) => shard.indexDigest).join(',');
    const cached = openReaders.get(base);
    if (cached?.digest === digest) return cached.reader;
    const graphs = manifest.shards.map((shard) => {
      const index = newIndex(manifest.dim);
      index.view(path.join(dir, shard.indexFile));
      return { index, count: shard.count };
    });
    if (graphs.some((g) => g.index.size() !== g.count)) return null;
    const reader: AnnReader = { count: manifest.count, nearest: (query, width) => nearestOf(graphs, query, width) };
    openReaders.set(base, { digest, reader });
    return reader;
  } catch {
    return null;
  }
}

function nearestOf(graphs: { index: Index; count: number }[], query: Float32Array, width: (rows: number) => number): number[] {
  const found = graphs.map((g) => g.index.search(query, Math.max(1, Math.min(width(g.count), g.count)), 1));
  if (found.length === 1) return Array.from(found[0]!.keys, (key) => Number(key));
  // Smaller distance is better; ties by id, so the order does not depend on which shard a row is in.
  const all: { id: number; distance: number }[] = [];
  for (const f of found) for (let i = 0; i < f.keys.length; i++) all.push({ id: Number(f.keys[i]), distance: f.distances[i]! });
  return all.sort((a, b) => a.distance - b.distance || a.id - b.id).map((x) => x.id);
}

/** What changed since the manifest's generation: rows to (re)add and the ids that must no longer be found. */
export interface AnnChanges {
  generation: number;
  /** Ids of every row written since (new files, or files re-embedded), ascending: their old entries go. */
  changed: Int32Array;
  /** Those rows, a batch at a time (ids and row-major vectors): a big model is never in memory at once. */
  rows: Iterable<{ ids: Int32Array | number[]; data: Float32Array }>;
  /** Every file id that holds an embedding of this model now, ascending. */
  live: Int32Array;
}

export type UpdateOutcome = 'done' | 'aborted' | 'failed';

/** A graph being filled or rewritten, and the ids it holds. */
interface OpenShard {
  index: Index;
  ids: Int32Array[];
}

/**
 * Applies changes to the index `from` names (or builds one when from is null) and swaps the manifest. A shard whose
 * rows did not change is kept as it is; one that lost rows is rewritten without them; new rows fill the last shard
 * and then new ones, each saved as soon as it is full (so at most one graph is in memory). 'failed' when an old file
 * cannot be read (the caller rebuilds from scratch) or a new one cannot be written; 'aborted' when stopped by the
 * signal. Nothing is replaced unless 'done'.
 */
export function updateIndex(base: string, key: AnnKey, from: AnnManifest | null, changes: AnnChanges, signal?: AbortSignal, rowsPerShard = shardRows): UpdateOutcome {
  const dir = path.dirname(base);
  const tag = `${path.basename(base)}.g${changes.generation}.${process.pid}.${crypto.randomBytes(3).toString('hex')}`;
  const shards: AnnShard[] = [];
  const written: string[] = [];
  const save = (open: OpenShard): void => {
    const shard = saveShard(dir, `${tag}.s${shards.length}`, open);
    written.push(shard.indexFile, shard.keysFile);
    shards.push(shard);
  };
  try {
    let open: OpenShard | null = null;
    const old = from?.shards ?? [];
    for (const [i, shard] of old.entries()) {
      const keys = readKeys(path.join(dir, shard.keysFile));
      if (keys.length !== shard.count) return 'failed';
      const { kept: stays, gone } = partition(keys, changes);
      const refill = i === old.length - 1 && shard.count < rowsPerShard && changes.changed.length > 0;
      if (gone.length === 0 && !refill) {
        // Kept as it is only if it is still the file written: a damaged one fails the update, and the caller rebuilds.
        if (!intact(path.join(dir, shard.indexFile), shard)) return 'failed';
        shards.push(shard);
        continue;
      }
      if (gone.length === keys.length) continue;
      const file = path.join(dir, shard.indexFile);
      if (!intact(file, shard)) return 'failed';
      const index = newIndex(key.dim);
      index.load(file);
      if (index.size() !== keys.length) return 'failed';
      if (gone.length > 0) index.remove(toKeys(gone));
      const kept = { index, ids: [stays] };
      if (refill) open = kept;
      else save(kept);
    }
    const threads = Math.max(1, os.availableParallelism());
    for (const batch of changes.rows) {
      const ids = Int32Array.from(batch.ids);
      for (let start = 0; start < ids.length; ) {
        if (signal?.aborted) return 'aborted';
        open ??= { index: newIndex(key.dim), ids: [] };
        const end = Math.min(ids.length, start + addChunk, start + rowsPerShard - open.index.size());
        open.index.add(toKeys(ids.subarray(start, end)), batch.data.subarray(start * key.dim, end * key.dim), threads);
        open.ids.push(ids.subarray(start, end));
        start = end;
        if (open.index.size() >= rowsPerShard) {
          save(open);
          open = null;
        }
      }
    }
    if (open && open.index.size() > 0) save(open);
    const done = swapIn(base, key, changes.generation, shards, from);
    if (done) written.length = 0;
    return done ? 'done' : 'failed';
  } catch {
    return 'failed';
  } finally {
    for (const f of written) fs.rmSync(path.join(dir, f), { force: true });
  }
}

/** A shard's sorted keys split, in one pass, into those that stay and those changed or deleted since (both sorted). */
function partition(keys: Int32Array, changes: AnnChanges): { kept: Int32Array; gone: Int32Array } {
  const stays = new Uint8Array(keys.length);
  let kept = 0;
  keys.forEach((id, i) => {
    stays[i] = !sortedHas(changes.changed, id) && sortedHas(changes.live, id) ? 1 : 0;
    kept += stays[i]!;
  });
  if (kept === keys.length) return { kept: keys, gone: new Int32Array(0) };
  return { kept: keys.filter((_, i) => stays[i] === 1), gone: keys.filter((_, i) => stays[i] === 0) };
}

/** Writes one shard's graph and sorted key list under `stem`; throws when they cannot be written. */
function saveShard(dir: string, stem: string, open: OpenShard): AnnShard {
  const keys = new Int32Array(open.ids.reduce((a, b) => a + b.length, 0));
  let at = 0;
  for (const ids of open.ids) {
    keys.set(ids, at);
    at += ids.length;
  }
  keys.sort();
  const names = { indexFile: `${stem}.usearch`, keysFile: `${stem}.keys` };
  const count = open.index.size();
  fs.mkdirSync(dir, { recursive: true });
  try {
    open.index.save(path.join(dir, names.indexFile));
    // The built graph's memory is native: the garbage collector does not see it, and ten 1M-row graphs stayed in
    // memory until the build ended (peak RSS 7.6 GB at 10M). Viewing the saved file instead releases it now.
    open.index.view(path.join(dir, names.indexFile));
    fs.writeFileSync(path.join(dir, names.keysFile), new Uint8Array(keys.buffer, keys.byteOffset, keys.byteLength));
    return { ...names, count, ...fingerprint(path.join(dir, names.indexFile)) };
  } catch (err) {
    for (const f of [names.indexFile, names.keysFile]) fs.rmSync(path.join(dir, f), { force: true });
    throw err;
  }
}

/** Names the shards in a new manifest (atomically), then deletes the old manifest's files no longer named. */
function swapIn(base: string, key: AnnKey, generation: number, shards: AnnShard[], old: AnnManifest | null): boolean {
  const dir = path.dirname(base);
  const manifest: AnnManifest = { ...key, generation, count: shards.reduce((a, s) => a + s.count, 0), shards };
  const tmp = cacheTempName(manifestPath(base));
  try {
    fs.writeFileSync(tmp, JSON.stringify(manifest));
    fs.renameSync(tmp, manifestPath(base));
  } catch {
    fs.rmSync(tmp, { force: true });
    return false;
  }
  const named = new Set(shards.flatMap((s) => [s.indexFile, s.keysFile]));
  for (const f of (old?.shards ?? []).flatMap((s) => [s.indexFile, s.keysFile])) {
    if (!named.has(f)) fs.rmSync(path.join(dir, f), { force: true });
  }
  return true;
}

/** Removes every file of the index at base (manifest included). */
export function removeIndex(base: string): void {
  const dir = path.dirname(base);
  const prefix = `${path.basename(base)}.`;
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith(prefix) && /\.(usearch|keys|ann\.json)$/.test(name)) fs.rmSync(path.join(dir, name), { force: true });
  }
}

/** Size and a digest of the first and last 64 KiB: cheap at every search, and it catches truncated or foreign files. */
function fingerprint(file: string): { indexBytes: number; indexDigest: string } {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const span = Math.min(size, 65_536);
    const hash = crypto.createHash('sha256');
    for (const at of [0, size - span]) {
      const buf = Buffer.alloc(span);
      fs.readSync(fd, buf, 0, span, at);
      hash.update(buf);
    }
    return { indexBytes: size, indexDigest: hash.digest('hex') };
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether every index file the manifest names is there and unchanged (size and digest). */
export function indexIntact(base: string, manifest: AnnManifest): boolean {
  return manifest.shards.every((shard) => intact(path.join(path.dirname(base), shard.indexFile), shard));
}

function intact(file: string, shard: AnnShard): boolean {
  try {
    const now = fingerprint(file);
    return now.indexBytes === shard.indexBytes && now.indexDigest === shard.indexDigest;
  } catch {
    return false;
  }
}

function readKeys(file: string): Int32Array {
  const buf = fs.readFileSync(file);
  return new Int32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

function toKeys(ids: Int32Array): BigUint64Array {
  const out = new BigUint64Array(ids.length);
  for (let i = 0; i < ids.length; i++) out[i] = BigInt(ids[i]!);
  return out;
}
