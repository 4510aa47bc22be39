/**
 * search keeps each model's vectors, quantized (quantized.ts), in one file under the cache dir, so a query reads
 * ~0.5 GB per million 512-d embeddings in one go instead of a million SQLite rows. The file is keyed by the catalog
 * path and model id and is valid while the model's generation (bumped by catalog triggers on every embedding
 * change) matches; otherwise it is rebuilt from the catalog and rewritten atomically.
 *
 * Layout: "IXQV0001", u32 header length, header JSON {modelId, generation, dim, count}, padding to 4 bytes,
 * ids (int32 x count), scales (float32 x count), codes (int8 x count*dim). Little-endian.
 */
import { catalogCacheKey } from '../catalog/catalog-url.js';
import fs from 'node:fs';
import path from 'node:path';
import type { QuantizedSet } from './quantized.js';
import { cacheTempName } from '../extract/cache-temps.js';

const magic = Buffer.from('IXQV0001');

export interface CacheKey {
  modelId: string;
  generation: number;
  dim: number;
}

export function cacheFileFor(cacheDir: string, catalogPath: string, modelId: string): string {
  const catalog = catalogCacheKey(catalogPath);
  return path.join(cacheDir, 'search', `${catalog}-${modelId.replace(/[^A-Za-z0-9._@-]/g, '_')}.ixqv`);
}

/** Where the arrays of a valid cache file start. */
export interface CacheLayout {
  /** Generation the file was built at. */
  generation: number;
  count: number;
  dim: number;
  idsAt: number;
  scalesAt: number;
  codesAt: number;
}

/**
 * The layout if the file exists, is whole, and matches key; null otherwise (missing, stale, damaged).
 * With anyGeneration, an older generation of the same model is accepted too (to be patched).
 */
export function readLayout(file: string, key: CacheKey, anyGeneration = false): CacheLayout | null {
  const open = openVectorFile(file, key, anyGeneration);
  if (open) fs.closeSync(open.fd);
  return open?.layout ?? null;
}

/**
 * The file opened for reading with its layout (as readLayout), or null. Rows read through this descriptor come from
 * the file whose layout was read, even if a writer replaces the file meanwhile; the caller closes it.
 */
export function openVectorFile(file: string, key: CacheKey, anyGeneration = false): { fd: number; layout: CacheLayout } | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  let layout: CacheLayout | null = null;
  try {
    layout = layoutOf(fd, key, anyGeneration);
  } catch {
    layout = null;
  }
  if (layout) return { fd, layout };
  fs.closeSync(fd);
  return null;
}

function layoutOf(fd: number, key: CacheKey, anyGeneration: boolean): CacheLayout | null {
  const head = Buffer.alloc(12);
  if (fs.readSync(fd, head, 0, 12, 0) !== 12 || !head.subarray(0, 8).equals(magic)) return null;
  const headerLength = head.readUInt32LE(8);
  const headerBuf = Buffer.alloc(headerLength);
  if (fs.readSync(fd, headerBuf, 0, headerLength, 12) !== headerLength) return null;
  const header = JSON.parse(headerBuf.toString('utf8')) as CacheKey & { count: number };
  if (header.modelId !== key.modelId || header.dim !== key.dim) return null;
  if (anyGeneration ? header.generation > key.generation : header.generation !== key.generation) return null;
  const idsAt = align4(12 + headerLength);
  const layout = { generation: header.generation, count: header.count, dim: header.dim, idsAt, scalesAt: idsAt + 4 * header.count, codesAt: idsAt + 8 * header.count };
  if (fs.fstatSync(fd).size !== layout.codesAt + header.count * header.dim) return null;
  return layout;
}

/**
 * Rows [start, end) of a cache file whose layout was read with readLayout (by path: throws if the file changed
 * under us) or openVectorFile (by its descriptor).
 */
export function readRows(file: string | number, layout: CacheLayout, start: number, end: number): QuantizedSet {
  const count = end - start;
  const { dim } = layout;
  const ids = new Int32Array(count);
  const scales = new Float32Array(count);
  const codes = new Int8Array(count * dim);
  const fd = typeof file === 'number' ? file : fs.openSync(file, 'r');
  try {
    readFully(fd, new Uint8Array(ids.buffer), layout.idsAt + 4 * start);
    readFully(fd, new Uint8Array(scales.buffer), layout.scalesAt + 4 * start);
    readFully(fd, new Uint8Array(codes.buffer), layout.codesAt + dim * start);
  } finally {
    if (typeof file !== 'number') fs.closeSync(fd);
  }
  return { dim, count, ids, scales, codes };
}

/** Every id of the file, in row order (4 bytes a row: the rest of the file is not read). */
export function readIds(fd: number, layout: CacheLayout): Int32Array {
  const ids = new Int32Array(layout.count);
  readFully(fd, new Uint8Array(ids.buffer), layout.idsAt);
  return ids;
}

/** The whole cached set if the file exists and matches key; null otherwise. */
export function readCache(file: string, key: CacheKey): QuantizedSet | null {
  const layout = readLayout(file, key);
  if (!layout) return null;
  try {
    return readRows(file, layout, 0, layout.count);
  } catch {
    return null;
  }
}

/** Writes the set for key (temp file + rename, so readers never see half a file). Best effort: false on failure. */
export function writeCache(file: string, key: CacheKey, set: QuantizedSet): boolean {
  return writeCacheParts(file, key, set.count, [set]);
}

/**
 * Writes a file of `count` rows for key from consecutive parts of the set, each written where its rows go, so a
 * model too big to hold at once (10M 512-d rows: 5 GB of codes, past what one array can hold) never is. Best
 * effort, all or nothing: false (and no file) on failure or when the parts do not add up to `count` rows.
 */
export function writeCacheParts(file: string, key: CacheKey, count: number, parts: Iterable<QuantizedSet>): boolean {
  const tmp = cacheTempName(file);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const header = Buffer.from(JSON.stringify({ ...key, count }));
    const idsAt = align4(12 + header.length);
    const head = Buffer.alloc(idsAt);
    magic.copy(head, 0);
    head.writeUInt32LE(header.length, 8);
    header.copy(head, 12);
    const fd = fs.openSync(tmp, 'w');
    let rows = 0;
    try {
      writeFully(fd, head, 0);
      for (const part of parts) {
        if (part.dim !== key.dim || rows + part.count > count) throw new Error('the parts do not match the header');
        writeFully(fd, bytesOf(part.ids.subarray(0, part.count)), idsAt + 4 * rows);
        writeFully(fd, bytesOf(part.scales.subarray(0, part.count)), idsAt + 4 * count + 4 * rows);
        writeFully(fd, bytesOf(part.codes.subarray(0, part.count * key.dim)), idsAt + 8 * count + key.dim * rows);
        rows += part.count;
      }
    } finally {
      fs.closeSync(fd);
    }
    if (rows !== count) throw new Error(`${rows} rows written, ${count} announced`);
    fs.renameSync(tmp, file);
    return true;
  } catch {
    fs.rmSync(tmp, { force: true });
    return false;
  }
}

function bytesOf(part: Int32Array | Float32Array | Int8Array): Uint8Array {
  return new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
}

function writeFully(fd: number, bytes: Uint8Array, position: number): void {
  for (let done = 0; done < bytes.length; ) done += fs.writeSync(fd, bytes, done, bytes.length - done, position + done);
}

function readFully(fd: number, into: Uint8Array, position: number): void {
  for (let done = 0; done < into.length; ) {
    const n = fs.readSync(fd, into, done, Math.min(into.length - done, 1 << 30), position + done);
    if (n === 0) throw new Error('cache file is truncated');
    done += n;
  }
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
