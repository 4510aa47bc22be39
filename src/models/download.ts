/**
 * Downloads one file with resume and sha256 verification:
 * - bytes go to FILE.part; a later try sends `Range: bytes=<size>-` and appends when the server answers 206
 *   (a 200 means the server ignores ranges: start over);
 * - a pinned sha256 (the caller's, from the code or the user's pins file) is what proves the file: a mismatch deletes
 *   the part file and fails, whatever the server says;
 * - a checksum the server sends (X-Linked-Etag or ETag when they are 64 hex digits, as Hugging Face sends for large
 *   files) is checked too, but only proves the transfer: a server can send the checksum of a tampered file;
 * - the part file is renamed into place only once it passed every check it had.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface DownloadResult {
  bytes: number;
  sha256: string;
  /** Whether the server sent a checksum that matched (transfer intact; not proof of origin). */
  verified: boolean;
  /** Whether it matched a pinned sha256: the one proof that it is the published file. */
  pinned: boolean;
  /** Bytes that were already there from an interrupted download. */
  resumedFrom: number;
}

export interface DownloadOptions {
  /** Called as bytes arrive: done so far (resumed bytes included) and total when known. */
  onProgress?(done: number, total: number | null): void;
  signal?: AbortSignal;
  /** The file's pinned sha256, when one is known. */
  pinnedSha256?: string;
}

export async function download(url: string, target: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const part = target + '.part';
  const have = fs.existsSync(part) ? fs.statSync(part).size : 0;
  const { res, checksum: expected } = await get(url, have, options.signal);
  if (res.status === 416 && have > 0) {
    // The part file already holds everything (or is corrupt): verify what is there.
    await res.body?.cancel();
    return finish(part, target, have, have, { server: expected, pinned: options.pinnedSha256 });
  }
  if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`);
  const resumed = res.status === 206 ? have : 0;
  const length = Number(res.headers.get('content-length'));
  const total = Number.isFinite(length) && length > 0 ? resumed + length : null;
  let done = resumed;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      done += chunk.length;
      options.onProgress?.(done, total);
      cb(null, chunk);
    },
  });
  await pipeline(
    Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>),
    counter,
    fs.createWriteStream(part, { flags: resumed > 0 ? 'a' : 'w' }),
  );
  if (total !== null && done !== total) throw new Error(`${url}: connection closed after ${done} of ${total} bytes (run again to resume)`);
  return finish(part, target, done, resumed, { server: expected, pinned: options.pinnedSha256 });
}

/**
 * GET following redirects by hand: Hugging Face announces the sha256 on the first answer (a redirect to its CDN),
 * which fetch would otherwise hide.
 */
async function get(url: string, from: number, signal?: AbortSignal): Promise<{ res: Response; checksum: string | null }> {
  let checksum: string | null = null;
  let current = url;
  for (let hop = 0; hop < 6; hop++) {
    let res: Response;
    try {
      res = await fetch(current, { headers: from > 0 ? { Range: `bytes=${from}-` } : {}, signal, redirect: 'manual' });
    } catch (err) {
      throw new Error(`cannot download ${current}: ${networkCause(err)}`);
    }
    checksum ??= checksumFrom(res.headers);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      current = new URL(location, current).href;
      continue;
    }
    return { res, checksum };
  }
  throw new Error(`${url}: too many redirects`);
}

async function finish(
  part: string,
  target: string,
  bytes: number,
  resumedFrom: number,
  expected: { server: string | null; pinned?: string },
): Promise<DownloadResult> {
  const sha256 = await sha256File(part);
  const pinned = expected.pinned?.toLowerCase();
  if (pinned && sha256 !== pinned) {
    fs.rmSync(part, { force: true });
    throw new Error(`${target}: sha256 mismatch (got ${sha256}, the published file's is ${pinned}): not the published file, deleted (refused)`);
  }
  if (expected.server && sha256 !== expected.server) {
    fs.rmSync(part, { force: true });
    throw new Error(`${target}: sha256 mismatch (got ${sha256}, expected ${expected.server}); the download was deleted, run again`);
  }
  fs.renameSync(part, target);
  return { bytes, sha256, verified: !!expected.server, pinned: !!pinned, resumedFrom };
}

/** fetch's own message is "fetch failed"; the reason (refused, DNS, TLS, reset) is in its cause. */
function networkCause(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const text = cause?.message ?? (err instanceof Error ? err.message : String(err));
  const offline = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ENETUNREACH|EHOSTUNREACH|ETIMEDOUT|ECONNRESET/.test(`${cause?.code ?? ''} ${text}`);
  return offline ? `${text} (offline? check the network, or $INDEXER_MODELS_URL)` : text;
}

/** Hugging Face puts the LFS sha256 in X-Linked-Etag (on the redirect) or ETag; small files get a git sha1 instead. */
function checksumFrom(headers: Headers): string | null {
  for (const name of ['x-linked-etag', 'etag']) {
    const value = headers.get(name)?.replace(/^W\//, '').replace(/"/g, '').toLowerCase();
    if (value && /^[0-9a-f]{64}$/.test(value)) return value;
  }
  return null;
}

export async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}
