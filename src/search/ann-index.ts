/**
 * The approximate nearest-neighbour index search answers from on big catalogs: an HNSW graph over int8 copies of
 * one model's embeddings (usearch; this is the only module that loads it). It is a rebuildable cache file under the
 * cache dir, like the quantized vector file: nothing about it lives in the catalog.
 *
 * On disk, per (catalog, model): `<base>.ann.json` (the manifest, replaced atomically) names the generation-stamped
 * index file `<base>.g<N>.usearch` and the sorted key list `<base>.g<N>.keys` (int32, the file ids in the index)
 * that were current at catalog generation N. Readers map the index file (usearch `view`), so a query touches only
 * the graph nodes it visits and a 1M index opens in milliseconds. Writers write new files, then swap the manifest,
 * then delete the old generation's files; a reader that loses that race falls back to the full scan.
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

/** The manifest: which files hold the index, and at which catalog generation of the model it was current. */
export interface AnnManifest extends AnnKey {
  generation: number;
  count: number;
  indexFile: string;
  keysFile: string;
  /** Size and digest (head and tail) of the index file: usearch trusts what it maps, so a damaged file is refused here. */
  indexBytes: number;
  indexDigest: string;
}

export function manifestPath(base: string): string {
  return `${base}.ann.json`;
}

/** The manifest if it exists and is for this model and width; null otherwise. */
export function readManifest(base: string, key: AnnKey): AnnManifest | null {
  try {
    const m = JSON.parse(fs.readFileSync(manifestPath(base), 'utf8')) as AnnManifest;
    if (m.modelId !== key.modelId || m.dim !== key.dim || !Number.isInteger(m.generation)) return null;
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

/** A mapped, read-only index: `nearest` returns the k best file ids by int8 score, best first (callers re-score exactly). */
export interface AnnReader {
  count: number;
  nearest(query: Float32Array, k: number): number[];
}

/**
 * The last reader opened per index file: a process that searches again (several models, a long-running caller, the
 * bench) reuses the mapping instead of mapping the file again. Checked against the manifest's digest each time.
 */
const openReaders = new Map<string, { digest: string; reader: AnnReader }>();

/** Maps the index the manifest names; null if its file is gone (replaced under us) or unreadable. */
export function openReader(base: string, manifest: AnnManifest): AnnReader | null {
  const file = path.join(path.dirname(base), manifest.indexFile);
  try {
    if (!intact(file, manifest)) return null;
    const cached = openReaders.get(file);
    if (cached?.digest === manifest.indexDigest) return cached.reader;
    const index = newIndex(manifest.dim);
    index.view(file);
    if (index.size() !== manifest.count) return null;
    const reader: AnnReader = {
      count: manifest.count,
      nearest(query, k) {
        const found = index.search(query, Math.min(k, manifest.count), 1);
        return Array.from(found.keys, (key) => Number(key));
      },
    };
    for (const name of openReaders.keys()) if (name.startsWith(`${base}.`)) openReaders.delete(name);
    openReaders.set(file, { digest: manifest.indexDigest, reader });
    return reader;
  } catch {
    return null;
  }
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

/**
 * Applies changes to the index `from` names (or builds one when from is null) and swaps the manifest. 'failed' when
 * the old files cannot be read (the caller rebuilds from scratch) or the new ones cannot be written; 'aborted' when
 * stopped by the signal. Nothing is replaced unless 'done'.
 */
export function updateIndex(base: string, key: AnnKey, from: AnnManifest | null, changes: AnnChanges, signal?: AbortSignal): UpdateOutcome {
  const dir = path.dirname(base);
  const index = newIndex(key.dim);
  let keys: Int32Array = new Int32Array(0);
  try {
    if (from) {
      if (!intact(path.join(dir, from.indexFile), from)) return 'failed';
      index.load(path.join(dir, from.indexFile));
      keys = readKeys(path.join(dir, from.keysFile));
      if (keys.length !== index.size()) return 'failed';
    }
    const kept = keys.filter((id) => !sortedHas(changes.changed, id) && sortedHas(changes.live, id));
    if (kept.length < keys.length) index.remove(toKeys(keys.filter((id) => !sortedHas(kept, id))));
    const added: Int32Array[] = [];
    const threads = Math.max(1, os.availableParallelism());
    for (const batch of changes.rows) {
      const ids = Int32Array.from(batch.ids);
      for (let start = 0; start < ids.length; start += addChunk) {
        if (signal?.aborted) return 'aborted';
        const end = Math.min(ids.length, start + addChunk);
        index.add(toKeys(ids.subarray(start, end)), batch.data.subarray(start * key.dim, end * key.dim), threads);
      }
      added.push(ids);
    }
    const merged = new Int32Array(kept.length + added.reduce((a, b) => a + b.length, 0));
    merged.set(kept);
    let at = kept.length;
    for (const ids of added) {
      merged.set(ids, at);
      at += ids.length;
    }
    return swapIn(base, key, changes.generation, index, merged.sort(), from) ? 'done' : 'failed';
  } catch {
    return 'failed';
  }
}

function swapIn(base: string, key: AnnKey, generation: number, index: Index, keys: Int32Array, old: AnnManifest | null): boolean {
  const dir = path.dirname(base);
  const stem = `${path.basename(base)}.g${generation}.${process.pid}`;
  const manifest: AnnManifest = {
    ...key,
    generation,
    count: index.size(),
    indexFile: `${stem}.usearch`,
    keysFile: `${stem}.keys`,
    indexBytes: 0,
    indexDigest: '',
  };
  const tmp = cacheTempName(manifestPath(base));
  try {
    fs.mkdirSync(dir, { recursive: true });
    index.save(path.join(dir, manifest.indexFile));
    Object.assign(manifest, fingerprint(path.join(dir, manifest.indexFile)));
    fs.writeFileSync(path.join(dir, manifest.keysFile), new Uint8Array(keys.buffer, keys.byteOffset, keys.byteLength));
    fs.writeFileSync(tmp, JSON.stringify(manifest));
    fs.renameSync(tmp, manifestPath(base));
  } catch {
    for (const f of [manifest.indexFile, manifest.keysFile]) fs.rmSync(path.join(dir, f), { force: true });
    fs.rmSync(tmp, { force: true });
    return false;
  }
  if (old && old.indexFile !== manifest.indexFile) {
    for (const f of [old.indexFile, old.keysFile]) fs.rmSync(path.join(dir, f), { force: true });
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

/** Whether the index file the manifest names is there and unchanged (size and digest). */
export function indexIntact(base: string, manifest: AnnManifest): boolean {
  return intact(path.join(path.dirname(base), manifest.indexFile), manifest);
}

function intact(file: string, manifest: AnnManifest): boolean {
  try {
    const now = fingerprint(file);
    return now.indexBytes === manifest.indexBytes && now.indexDigest === manifest.indexDigest;
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
