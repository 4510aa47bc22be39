/** Helpers shared by the stages' workers: reading a file's head, and the one classifier that shapes failure outcomes. */
import fs from 'node:fs';
import type { StageOutcome } from './stage.js';
import { describeError } from '../errors.js';

/** Errors worth another attempt: the file is fine, the moment was not. */
const TRANSIENT = new Set(['EAGAIN', 'EBUSY', 'ENOMEM', 'EINTR']);
/**
 * Errors that are the machine's, not the file's (disk full, read-only, no file handles left): every file would fail
 * the same way, so the stage pauses and the task keeps its attempt rather than failing file after file.
 */
const STAGE_FAULTS = new Set(['ENOSPC', 'EROFS', 'EDQUOT', 'EMFILE', 'ENFILE']);

/** Whose fault a thrown error is: the stage's (machine), the moment's (retry), or the file's. */
export type ErrorFault = 'stage' | 'transient' | 'file';

/**
 * The one failure classifier: a thrown error is judged by its code, never by the words of its message (a file named
 * "ENOSPC.jpg" is not a full disk). tasks/commit.ts trusts the `stageFault` that failureFrom sets from it.
 */
export function errorFault(err: unknown): ErrorFault {
  const code = (err as NodeJS.ErrnoException | null | undefined)?.code ?? '';
  if (STAGE_FAULTS.has(code)) return 'stage';
  if (TRANSIENT.has(code)) return 'transient';
  return 'file';
}

/**
 * A failed outcome with REASON, caused by ERR and classified by its code. `retryable` is what a failure that is the
 * file's gets (left out: the engine's default, retry until the attempts are spent).
 */
export function failureFrom(reason: string, err: unknown, retryable?: boolean): StageOutcome<never> {
  const fault = errorFault(err);
  if (fault === 'stage') return { status: 'failed', reason, retryable: true, stageFault: true };
  if (fault === 'transient') return { status: 'failed', reason, retryable: true };
  return retryable === undefined ? { status: 'failed', reason } : { status: 'failed', reason, retryable };
}

/** Longest cause kept in a reason: decoders and parsers sometimes quote whole chunks of the file. */
const MAX_CAUSE = 300;

/** One printable line, cut to a readable length (reasons are printed one per line). */
function oneLine(text: string): string {
  const line = text.replace(/[\x00-\x1f\x7f\s]+/g, ' ').trim();
  return line.length > MAX_CAUSE ? line.slice(0, MAX_CAUSE - 3) + '...' : line;
}

/** A failure that retrying cannot fix: the file itself is bad. */
export function badFile(path: string, cause: string): StageOutcome<never> {
  return { status: 'failed', reason: `${path}: ${oneLine(cause)}`, retryable: false };
}

/** A failure from an I/O error: classified by its code (one the file caused is not retried). */
export function ioFailure(path: string, what: string, err: unknown): StageOutcome<never> {
  return failureFrom(`${path}: ${oneLine(`${what}: ${describeError(err)}`)}`, err, false);
}

/** An error no branch of a stage's worker expected: classified by its code like any other, else the file's. */
export function unexpectedFailure(path: string, stage: string, err: unknown): StageOutcome<never> {
  return failureFrom(`${path}: unexpected ${stage} error: ${describeError(err)}`, err, false);
}

/** Write errors that say the cache, not the photo, is the problem: no file could be written there. */
const CACHE_FAULTS = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'ENOTDIR']);

/**
 * A failure to write a derived file under the cache: the cache's fault whatever the photo, so the stage pauses with
 * one message and the task stays pending (a transient error is retried, anything else is the file's).
 */
export function cacheWriteFailure(path: string, cacheDir: string, err: unknown): StageOutcome<never> {
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  if (CACHE_FAULTS.has(code)) {
    return { status: 'failed', reason: `cannot write to the cache ${cacheDir}: ${oneLine(describeError(err))}`, retryable: true, stageFault: true };
  }
  return ioFailure(path, `cannot write to the cache ${cacheDir}`, err);
}

/**
 * The first bytes of a file (fewer when it is shorter). Reads are synchronous on purpose: stages run on dedicated
 * worker threads, where a small sync read is cheaper than a round trip through libuv's thread pool.
 */
export async function readFileHead(file: string, bytes: number): Promise<Buffer> {
  return readRange(file, bytes, 'head');
}

/** The last bytes of a file (all of it when shorter). */
export async function readFileTail(file: string, bytes: number): Promise<Buffer> {
  return readRange(file, bytes, 'tail');
}

function readRange(file: string, bytes: number, where: 'head' | 'tail'): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, bytes);
    const buf = Buffer.allocUnsafe(length);
    const read = fs.readSync(fd, buf, 0, length, where === 'head' ? 0 : size - length);
    return buf.subarray(0, read);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A decoder's message, without the file path it often repeats, cut to one readable line. libvips gives one line per
 * error it met, often the same one again for every strip or retry ("bad seek to 3309" ten times): each is kept once.
 */
export function decoderMessage(err: unknown, path: string): string {
  const raw = err instanceof Error ? err.message : String(err);
  const lines = raw
    .split(/\r?\n/)
    .map((line) => describeError(line.split(`"${path}"`).join('').split(path).join('')).replace(/^[:\s]+/, '').replace(/\s*:\s*:/g, ':'))
    .filter(Boolean);
  const text = [...new Set(lines)].join('; ');
  return text.length > 240 ? text.slice(0, 237) + '...' : text || 'no detail given';
}
