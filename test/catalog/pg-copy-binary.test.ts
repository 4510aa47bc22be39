/**
 * COPY's binary format cut into batches (catalog/pg/copy-binary.ts), and the int8 cells search decodes. Bulk reads on
 * PostgreSQL arrive this way in chunks the socket chooses: a row may be cut anywhere, even inside a length.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CopyBinaryParser } from '../../src/catalog/pg/copy-binary.js';
import { integerCell } from '../../src/catalog/vector-read.js';
import type { BinaryRows } from '../../src/catalog/sql.js';

type Cell = Buffer | null;

/** COPY ... TO STDOUT (FORMAT binary) output for these rows, as the server writes it (with a header extension). */
function copyData(rows: Cell[][], extension = Buffer.alloc(0)): Buffer {
  const parts = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), int32(0), int32(extension.length), extension];
  for (const row of rows) {
    parts.push(int16(row.length));
    for (const cell of row) parts.push(cell === null ? int32(-1) : Buffer.concat([int32(cell.length), cell]));
  }
  parts.push(int16(-1));
  return Buffer.concat(parts);
}
const int16 = (n: number) => Buffer.from([(n >> 8) & 255, n & 255]);
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const int8 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
};

/** The cells of the batches, row by row, as copies. */
function cellsOf(batches: BinaryRows[]): Cell[][] {
  return batches.flatMap((b) =>
    Array.from({ length: b.rows }, (_, r) =>
      b.columns.map((c) => (c.cells[2 * r + 1] === -1 ? null : Buffer.from(c.bytes.subarray(c.cells[2 * r]!, c.cells[2 * r]! + c.cells[2 * r + 1]!)))),
    ),
  );
}

function parse(data: Buffer, chunk: number, batchBytes: number): BinaryRows[] {
  const parser = new CopyBinaryParser(batchBytes);
  const batches: BinaryRows[] = [];
  for (let at = 0; at < data.length; at += chunk) batches.push(...parser.push(data.subarray(at, at + chunk)));
  assert.equal(parser.ended, true);
  const last = parser.finish();
  if (last) batches.push(last);
  return batches;
}

describe('CopyBinaryParser', () => {
  const rows: Cell[][] = Array.from({ length: 40 }, (_, i) => [
    int8(BigInt(i) * 3_000_000_000n - 7n),
    i % 7 === 3 ? null : Buffer.from(Array.from({ length: (i * 13) % 50 }, (_, j) => (i * 31 + j) & 255)),
  ]);

  it('gives every row back exactly, NULL and empty cells included, wherever the chunks cut the data', () => {
    const data = copyData(rows, Buffer.from('ext'));
    for (const chunk of [1, 2, 3, 5, 7, 19, 20, 64, 1000, data.length]) {
      assert.deepEqual(cellsOf(parse(data, chunk, 1 << 20)), rows, `chunks of ${chunk} bytes`);
    }
  });

  it('cuts batches of about the asked size; every cell starts at a multiple of 8', () => {
    const batches = parse(copyData(rows), 37, 200);
    assert.ok(batches.length > 3, `${batches.length} batches`);
    for (const b of batches.slice(0, -1)) assert.ok(b.columns.reduce((n, c) => n + c.bytes.length, 0) >= 200);
    assert.deepEqual(cellsOf(batches), rows);
    for (const b of batches) for (const c of b.columns) for (let k = 0; k < c.cells.length; k += 2) assert.equal(c.cells[k]! % 8, 0);
  });

  it('lays same-width cells of 8n bytes back to back (search uses its vectors where they lie)', () => {
    const vectors = Array.from({ length: 5 }, (_, i) => [int8(BigInt(i)), Buffer.alloc(16, i)]);
    const [batch] = parse(copyData(vectors), 9, 1 << 20);
    assert.deepEqual([...batch!.columns[1]!.cells], [0, 16, 16, 16, 32, 16, 48, 16, 64, 16]);
  });

  it('refuses data that is not binary COPY, and data that ends inside a row', () => {
    assert.throws(() => new CopyBinaryParser(100).push(Buffer.from('file_id\tvector\n1\t\\x00\n.................')), /not in the binary format/);
    const cut = copyData(rows.slice(0, 2));
    const parser = new CopyBinaryParser(100);
    parser.push(cut.subarray(0, cut.length - 5));
    assert.throws(() => parser.finish(), /ended inside a row/);
  });
});

describe('integerCell', () => {
  it('reads int8, int4 and int2 cells exactly, ids past 2^31 and negatives included', () => {
    for (const n of [0n, 1n, -1n, 2n ** 31n + 5n, 2n ** 40n + 12345n, -(2n ** 33n) - 1n, 2n ** 53n - 1n]) {
      const b = Buffer.concat([Buffer.alloc(3), int8(n)]);
      assert.equal(integerCell(new DataView(b.buffer, b.byteOffset, b.length), 3, 8), Number(n));
    }
    const view = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.length);
    assert.equal(integerCell(view(int32(-123456)), 0, 4), -123456);
    assert.equal(integerCell(view(int16(-2)), 0, 2), -2);
    assert.throws(() => integerCell(new DataView(new ArrayBuffer(3)), 0, 3), /not an integer cell/);
  });
});
