/**
 * PostgreSQL's binary COPY format (COPY ... TO STDOUT (FORMAT binary)) cut into batches of raw cells, in the bridge
 * thread. Bulk reads use it instead of a query's rows because node-postgres reads every result in text format: a
 * bytea arrives hex-encoded (twice its size, encoded by the server and decoded by us), and its binary result format
 * decodes every field as UTF-8, which mangles bytea. COPY's binary data is the stored bytes themselves.
 *
 * Format: an 11-byte signature, int32 flags, int32 extension length and the extension; then per row an int16 field
 * count and per field an int32 length (-1: NULL) and that many bytes; an int16 -1 ends the data. Big-endian.
 * (pg-copy-streams-binary parses it too, but into one object per row through an object stream: these batches are
 * what crosses to the caller's thread in one transfer, so cells are copied straight into them.)
 */
import type { BinaryRows } from '../sql.js';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER = 19;

/** One column of a batch being built: its cells' bytes one after another, each at a multiple of 8. */
class Column {
  bytes: Uint8Array;
  used = 0;
  cells: Int32Array;

  constructor(capacity: number, rows: number) {
    this.bytes = new Uint8Array(capacity);
    this.cells = new Int32Array(rows * 2);
  }

  add(row: number, buf: Buffer, at: number, length: number): void {
    if (row * 2 + 2 > this.cells.length) this.cells = grown(this.cells, row * 2 + 2);
    if (length < 0) {
      this.cells[row * 2] = 0;
      this.cells[row * 2 + 1] = -1;
      return;
    }
    const offset = (this.used + 7) & ~7;
    if (offset + length > this.bytes.length) this.bytes = grown(this.bytes, offset + length, this.used);
    this.bytes.set(buf.subarray(at, at + length), offset);
    this.used = offset + length;
    this.cells[row * 2] = offset;
    this.cells[row * 2 + 1] = length;
  }
}

function grown<T extends Uint8Array | Int32Array>(a: T, least: number, keep = a.length): T {
  const b = new (a.constructor as new (n: number) => T)(Math.max(least, a.length * 2));
  b.set(a.subarray(0, keep));
  return b;
}

/** Builds one batch, sized after the one before it (a batch's columns are usually alike). */
class Batch {
  private columns: Column[] | null = null;
  rows = 0;

  constructor(private readonly like: BinaryRows | null) {}

  get bytes(): number {
    return this.columns?.reduce((n, c) => n + c.used, 0) ?? 0;
  }

  /** Appends the row whose fields start at `at` (its field count already read); the row is known to be whole. */
  addRow(buf: Buffer, at: number, fields: number): void {
    this.columns ??= Array.from({ length: fields }, (_, c) => {
      const before = this.like?.columns[c];
      return new Column(before ? before.bytes.length + 4096 : 1 << 16, before ? before.cells.length / 2 + 16 : 256);
    });
    if (fields !== this.columns.length) throw new Error(`COPY row has ${fields} fields, expected ${this.columns.length}`);
    for (const column of this.columns) {
      const length = buf.readInt32BE(at);
      column.add(this.rows, buf, at + 4, length);
      at += 4 + Math.max(length, 0);
    }
    this.rows++;
  }

  finish(): BinaryRows {
    const columns = (this.columns ?? []).map((c) => ({ bytes: c.bytes.subarray(0, c.used), cells: c.cells.subarray(0, this.rows * 2) }));
    return { rows: this.rows, columns };
  }
}

/** Feed it the COPY data as it arrives; it hands back batches of about `batchBytes` each. */
export class CopyBinaryParser {
  private pending: Buffer | null = null;
  private headerRead = false;
  private batch = new Batch(null);
  /** The end-of-data marker was seen. */
  ended = false;

  constructor(private readonly batchBytes: number) {}

  /** Takes in `chunk`; returns the batches that filled up. A row cut between chunks waits for the rest. */
  push(chunk: Buffer): BinaryRows[] {
    const full: BinaryRows[] = [];
    let at = 0;
    if (this.pending) {
      // The row cut at the end of the last chunk is completed from the start of this one; only those bytes are
      // copied (joining whole chunks would copy everything once more).
      const head = this.pending;
      this.pending = null;
      for (let k = Math.min(chunk.length, 4096); ; k = Math.min(chunk.length, k * 2)) {
        const joined = Buffer.concat([head, chunk.subarray(0, k)]);
        const used = this.consume(joined, 0, full);
        if (used > 0) {
          at = used - head.length;
          break;
        }
        if (k === chunk.length) {
          this.pending = joined;
          return full;
        }
      }
    }
    const used = this.consume(chunk, at, full);
    // A copy: the part left over is less than a row, and the chunk's memory is not ours to hold.
    if (used < chunk.length && !this.ended) this.pending = Buffer.from(chunk.subarray(used));
    return full;
  }

  /** The last, partly filled batch (null when empty); call once the data has ended. */
  finish(): BinaryRows | null {
    if (this.pending) throw new Error('COPY data ended inside a row');
    return this.batch.rows > 0 ? this.batch.finish() : null;
  }

  /** Reads the header and the whole rows of `buf` from `at`; returns where the first incomplete one starts. */
  private consume(buf: Buffer, at: number, full: BinaryRows[]): number {
    if (!this.headerRead) {
      const seen = buf.subarray(at, at + SIGNATURE.length);
      if (!seen.equals(SIGNATURE.subarray(0, seen.length))) throw new Error('COPY data is not in the binary format');
      if (buf.length - at < HEADER || buf.length - at < HEADER + buf.readInt32BE(at + 15)) return at;
      at += HEADER + buf.readInt32BE(at + 15);
      this.headerRead = true;
    }
    while (!this.ended && at + 2 <= buf.length) {
      const fields = buf.readInt16BE(at);
      if (fields === -1) {
        this.ended = true;
        return at + 2;
      }
      const end = rowEnd(buf, at + 2, fields);
      if (end < 0) break;
      this.batch.addRow(buf, at + 2, fields);
      at = end;
      if (this.batch.bytes >= this.batchBytes) {
        const done = this.batch.finish();
        full.push(done);
        this.batch = new Batch(done);
      }
    }
    return at;
  }
}

/** Where the row whose fields start at `at` ends, or -1 when `buf` does not hold all of it yet. */
function rowEnd(buf: Buffer, at: number, fields: number): number {
  for (let f = 0; f < fields; f++) {
    if (at + 4 > buf.length) return -1;
    const length = buf.readInt32BE(at);
    at += 4 + Math.max(length, 0);
    if (at > buf.length) return -1;
  }
  return at;
}
