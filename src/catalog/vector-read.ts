/**
 * Bulk reads of a model's stored vectors: what search's vector file and approximate index are built from. On SQLite
 * a statement steps through the rows; on PostgreSQL the rows come through COPY's binary format (Db.copyOut), since a
 * statement's result would bring each 2 KB vector hex-encoded (the server encodes, we decode: 100,000 vectors read
 * in 4.4 s that way).
 */
import type { BinaryRows, Db } from './sql.js';
import { statement } from './statements.js';
import { fromBlob, type VectorSet } from '../vectors.js';

const VECTORS = `SELECT file_id, vector FROM embeddings WHERE model_id = ? AND seq > ?`;

/**
 * The stored vectors of one model, whatever their file's state, in one contiguous array: all of them, or (since)
 * only those written after that generation.
 */
export function allVectors(db: Db, modelId: string, dim: number, since = -1): VectorSet {
  const batches = [...vectorBatches(db, modelId, dim, since)];
  const ids = new Int32Array(batches.reduce((n, b) => n + b.ids.length, 0));
  const data = new Float32Array(ids.length * dim);
  let at = 0;
  for (const b of batches) {
    ids.set(b.ids, at);
    data.set(b.data, at * dim);
    at += b.ids.length;
  }
  return { dim, ids, data };
}

/**
 * The rows allVectors returns, at most `rows` at a time: what the search index is built from, so a 10M-photo model (20 GB of
 * float32) is never in memory at once (on PostgreSQL neither is the result: COPY streams it).
 */
export function* vectorBatches(db: Db, modelId: string, dim: number, since = -1, rows = 20_000): Generator<VectorSet> {
  const out = new Batcher(dim, rows);
  const copied = db.copyOut?.(VECTORS, [modelId, since]);
  if (copied) {
    for (const batch of copied) yield* copiedVectors(batch, out);
  } else {
    for (const row of statement(db, VECTORS).raw().iterate(modelId, since) as Iterable<[number, Buffer]>) {
      if (row[1].length !== out.bytes) continue; // written with another width: not comparable
      fromBlob(row[1], out.data, out.at);
      if (out.add(row[0])) yield out.take();
    }
  }
  if (out.count > 0) yield out.rest();
}

/**
 * Rows of one COPY batch (columns file_id: int8 big-endian, vector: the bytes; see sql.ts's BinaryRows). Vectors of
 * the same width lie back to back there: the batch's vectors are then used where they lie, not copied.
 */
function* copiedVectors(batch: BinaryRows, out: Batcher): Generator<VectorSet> {
  const [idColumn, vectorColumn] = batch.columns as [BinaryRows['columns'][0], BinaryRows['columns'][0]];
  const idView = new DataView(idColumn.bytes.buffer, idColumn.bytes.byteOffset, idColumn.bytes.byteLength);
  const idOf = (r: number) => integerCell(idView, idColumn.cells[2 * r]!, idColumn.cells[2 * r + 1]!);
  const { bytes, cells } = vectorColumn;
  if (backToBack(cells, out.bytes)) {
    const ids = new Int32Array(batch.rows);
    for (let r = 0; r < batch.rows; r++) ids[r] = idOf(r);
    const data = new Float32Array(bytes.buffer, bytes.byteOffset, batch.rows * out.dim);
    for (let r = 0; r < batch.rows; r += out.rows) {
      const end = Math.min(batch.rows, r + out.rows);
      yield { dim: out.dim, ids: ids.subarray(r, end), data: data.subarray(r * out.dim, end * out.dim) };
    }
    return;
  }
  // Cells start at multiples of 8: every vector can be viewed as float32 where it lies.
  const floats = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  for (let r = 0; r < batch.rows; r++) {
    if (cells[2 * r + 1] !== out.bytes) continue; // written with another width (or NULL): not comparable
    const at = cells[2 * r]! >>> 2;
    out.data.set(floats.subarray(at, at + out.dim), out.at);
    if (out.add(idOf(r))) yield out.take();
  }
}

/** Whether every cell is `width` bytes and each follows the one before without a gap. */
function backToBack(cells: Int32Array, width: number): boolean {
  for (let k = 0; k < cells.length; k += 2) if (cells[k] !== (k / 2) * width || cells[k + 1] !== width) return false;
  return true;
}

/** An integer column's cell in PostgreSQL's binary format (int2, int4 or int8, big-endian; int8 exact to 2^53). */
export function integerCell(view: DataView, at: number, length: number): number {
  if (length === 8) return view.getInt32(at) * 2 ** 32 + view.getUint32(at + 4);
  if (length === 4) return view.getInt32(at);
  if (length === 2) return view.getInt16(at);
  throw new Error(`not an integer cell: ${length} bytes`);
}

/** Fills VectorSets of `rows` rows: the caller writes a row's vector at `data`[`at`...], then calls add with its id. */
class Batcher {
  ids: Int32Array;
  data: Float32Array;
  count = 0;
  readonly bytes: number;

  constructor(
    readonly dim: number,
    readonly rows: number,
  ) {
    this.bytes = dim * 4;
    this.ids = new Int32Array(rows);
    this.data = new Float32Array(rows * dim);
  }

  /** Where the next row's vector goes. */
  get at(): number {
    return this.count * this.dim;
  }

  /** Counts the row just written; true when the batch is full (take it). */
  add(id: number): boolean {
    this.ids[this.count] = id;
    return ++this.count === this.rows;
  }

  take(): VectorSet {
    const set = { dim: this.dim, ids: this.ids, data: this.data };
    this.ids = new Int32Array(this.rows);
    this.data = new Float32Array(this.rows * this.dim);
    this.count = 0;
    return set;
  }

  /** The last, partly filled batch. */
  rest(): VectorSet {
    return { dim: this.dim, ids: this.ids.slice(0, this.count), data: this.data.slice(0, this.count * this.dim) };
  }
}
