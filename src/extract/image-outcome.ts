/** Helpers shared by the image stages' workers: reading a file's head and shaping failure outcomes. */
import fs from 'node:fs';
import type { StageOutcome } from './stage.js';

/** Errors worth another attempt: the file is fine, the moment was not. */
const TRANSIENT = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'ENOMEM', 'EINTR']);
/** Errors that are not the file's fault: the stage should pause rather than fail every file. */
const STAGE_FAULTS = new Set(['ENOSPC', 'EROFS', 'EDQUOT']);

export function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
}

/** A failure that retrying cannot fix: the file itself is bad. */
export function badFile(path: string, cause: string): StageOutcome<never> {
  return { status: 'failed', reason: `${path}: ${cause}`, retryable: false };
}

/** A failure from an I/O error: classified by its code. */
export function ioFailure(path: string, what: string, err: unknown): StageOutcome<never> {
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  const reason = `${path}: ${what}: ${errorText(err)}`;
  if (STAGE_FAULTS.has(code)) return { status: 'failed', reason, retryable: true, stageFault: true };
  return { status: 'failed', reason, retryable: TRANSIENT.has(code) };
}

/** The first bytes of a file (fewer when it is shorter). */
export async function readFileHead(file: string, bytes: number): Promise<Buffer> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The last bytes of a file (all of it when shorter). */
export async function readFileTail(file: string, bytes: number): Promise<Buffer> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const { size } = await fh.stat();
    const length = Math.min(size, bytes);
    const buf = Buffer.alloc(length);
    await fh.read(buf, 0, length, size - length);
    return buf;
  } finally {
    await fh.close();
  }
}

/** A decoder's message, without the file path it often repeats, cut to one readable line. */
export function decoderMessage(err: unknown, path: string): string {
  const text = errorText(err).split(path).join('').replace(/^[:\s]+/, '').replace(/\s*:\s*:/g, ':');
  return text.length > 240 ? text.slice(0, 237) + '...' : text || 'no detail given';
}
