/**
 * Bulk reads in the bridge thread (PgDb.copyOut): COPY ... TO STDOUT (FORMAT binary) streamed through
 * pg-copy-streams on a connection of its own, opened at the first bulk read. The bridge's main connection pipelines
 * its statements, and node-postgres refuses a COPY (or a cursor) on a pipelined connection.
 *
 * The data is cut into batches (copy-binary.ts) as it arrives and keeps arriving while the caller decodes the batch
 * it was handed: up to AHEAD batches wait, then the stream pauses (and with it the socket), so memory stays bounded.
 */
import type pg from 'pg';
import type { Readable } from 'node:stream';
import type { BinaryRows } from '../sql.js';
import { CopyBinaryParser } from './copy-binary.js';

/** Batches parsed ahead of the caller's requests. */
const AHEAD = 2;

export interface CopyAnswer {
  /** null: no rows left. */
  batch: BinaryRows | null;
}

class Reading {
  private readonly queue: BinaryRows[] = [];
  private ended = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly stream: Readable,
    batchBytes: number,
  ) {
    const parser = new CopyBinaryParser(batchBytes);
    stream.on('data', (chunk: Buffer) => {
      try {
        this.queue.push(...parser.push(chunk));
      } catch (err) {
        this.fail(err as Error);
        return;
      }
      if (this.queue.length >= AHEAD) stream.pause();
      this.signal();
    });
    stream.on('end', () => {
      try {
        const last = parser.finish();
        if (last) this.queue.push(last);
      } catch (err) {
        this.failure = err as Error;
      }
      this.ended = true;
      this.signal();
    });
    stream.on('error', (err: Error) => this.fail(err));
  }

  get done(): boolean {
    return this.ended || this.failure !== null;
  }

  async next(): Promise<CopyAnswer> {
    while (this.queue.length === 0 && !this.ended && !this.failure) await new Promise<void>((resolve) => (this.wake = resolve));
    if (this.failure) throw this.failure;
    const batch = this.queue.shift() ?? null;
    if (this.queue.length < AHEAD && !this.ended) this.stream.resume();
    return { batch };
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.signal();
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

export class CopyReads {
  private client: pg.Client | null = null;
  private reading: Reading | null = null;

  constructor(private readonly connect: () => Promise<pg.Client>) {}

  /** Starts `COPY (query) TO STDOUT (FORMAT binary)` (`query` has its values inlined) and answers its first batch. */
  async start(query: string, batchBytes: number): Promise<CopyAnswer> {
    await this.abandon();
    const client = (this.client ??= await this.openClient());
    // Loaded at the first bulk read: most commands never make one, and every command opening the catalog waits for
    // this thread's imports.
    const { to: copyTo } = await import('pg-copy-streams');
    this.reading = new Reading(client.query(copyTo(`COPY (${query}) TO STDOUT (FORMAT binary)`)), batchBytes);
    return this.next();
  }

  async next(): Promise<CopyAnswer> {
    if (!this.reading) throw new Error('no bulk read in progress');
    try {
      const answer = await this.reading.next();
      if (answer.batch === null) this.reading = null;
      return answer;
    } catch (err) {
      // A COPY that failed half-way may leave its connection mid-protocol: start the next one on a fresh one.
      await this.abandon(true);
      throw err;
    }
  }

  /** Stops a read the caller left before its end: the rest of the data would still come, so its connection goes. */
  async abandon(failed = false): Promise<void> {
    const reading = this.reading;
    this.reading = null;
    if (reading && (failed || !reading.done)) await this.close();
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.reading = null;
    if (client) await client.end().catch(() => undefined);
  }

  private async openClient(): Promise<pg.Client> {
    const client = await this.connect();
    // A broken idle connection is dropped here and reopened by the next bulk read.
    client.on('error', () => {
      if (this.client === client) this.client = null;
      client.end().catch(() => undefined);
    });
    return client;
  }
}
