/**
 * The native HEIF decoder: Debian's libheif (HEVC through libde265, AV1 through dav1d/libaom, 8- and 10-bit) driven
 * through libvips' `vips` command, where the machine has it. sharp's own libvips has no HEVC decoder and its AV1
 * decoder refuses 10-bit files. libheif-js (libheif in WebAssembly, image-heic.ts) is the other decoder.
 *
 * One child process per photo decodes it and shrinks it to the preview size (`vips thumbnail ... --size down`,
 * never enlarged) into libvips' own uncompressed format in a temp file, which sharp then reads without any codec.
 * `--no-rotate`: libheif has already applied the container's rotation and mirror, and the EXIF orientation of a HEIF
 * is informative only. No colour conversion happens there (vips thumbnail converts only when asked to export a
 * profile): the caller converts from the file's ICC or nclx colour exactly as for libheif-js's pixels.
 *
 * Debian 12's libheif 1.15 (libde265 1.0.11) through `vips` took about twice the CPU of libheif-js per iPhone HEIC
 * when this was written (`BENCH_ONLY=heic npm run bench` measures both, in the same run), so HEIC goes to libheif-js
 * first and to the native decoder when libheif-js fails; AVIF goes to sharp first and to the native decoder when
 * sharp refuses it (10-bit). INDEXER_HEIF_DECODER=native puts the native decoder first (a newer libheif may be the
 * faster one), =wasm never uses it.
 */
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type HeifDecoderChoice = { kind: 'native'; vips: string; version: string } | { kind: 'wasm'; why: string };

/** The probe for a native decoder, made once per process (thread): spawning `vips` costs tens of ms. */
let probed: HeifDecoderChoice | null = null;

/**
 * The environment for the `vips` child: without VIPSHOME, which sharp's own libvips sets in this process (to its
 * build prefix) and which would send Debian's libvips looking for its modules, the HEIF loader among them, there.
 */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.VIPSHOME;
  return env;
}

/** Whether HEIC goes to the native decoder before libheif-js (INDEXER_HEIF_DECODER=native). */
export function nativeFirst(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.INDEXER_HEIF_DECODER === 'native' && heifDecoder(env).kind === 'native';
}

/** The native decoder this process can use for HEIF that libheif-js or sharp cannot read, if any. */
export function heifDecoder(env: NodeJS.ProcessEnv = process.env): HeifDecoderChoice {
  if (env.INDEXER_HEIF_DECODER === 'wasm') return { kind: 'wasm', why: 'INDEXER_HEIF_DECODER=wasm' };
  return (probed ??= probeNative());
}

function probeNative(): HeifDecoderChoice {
  const probe = spawnSync('vips', ['--version'], { encoding: 'utf8', timeout: 60_000, env: childEnv() });
  if (probe.status !== 0 || !/^vips-\d/.test(probe.stdout)) {
    return { kind: 'wasm', why: "no 'vips' command (Debian: apt-get install libvips-tools)" };
  }
  // `vips heifload` with no arguments prints the loader's usage where libvips has it, "unknown action" otherwise.
  const loader = spawnSync('vips', ['heifload'], { encoding: 'utf8', timeout: 60_000, env: childEnv() });
  if (!/load a HEIF image/i.test(`${loader.stdout}${loader.stderr}`)) return { kind: 'wasm', why: "this machine's libvips has no HEIF loader" };
  return { kind: 'native', vips: 'vips', version: probe.stdout.trim() };
}

/** A line for `indexer doctor` and the README's wording. */
export function describeHeifDecoder(choice: HeifDecoderChoice, env: NodeJS.ProcessEnv = process.env): string {
  if (choice.kind !== 'native') return `libheif-js (libheif in WebAssembly) only; no 10-bit AVIF: ${choice.why}`;
  const native = `native libheif through ${choice.version} (HEVC and AV1, 8- and 10-bit)`;
  return env.INDEXER_HEIF_DECODER === 'native'
    ? `${native} first (INDEXER_HEIF_DECODER=native), libheif-js (WebAssembly) as the fallback`
    : `libheif-js (libheif in WebAssembly, the faster one here) first; ${native} for what it and sharp cannot read (10-bit AVIF)`;
}

export type NativeDecode = { ok: true; file: string; release(): void } | { ok: false; error: string };

/**
 * Decodes `source` shrunk to fit size x size into a temp `.v` file for sharp to read; the caller calls release()
 * when done with it. Fails (never throws) with libvips' own words.
 */
export function decodeToPreview(vips: string, source: string, size: number, timeoutMs = 120_000): Promise<NativeDecode> {
  const file = path.join(os.tmpdir(), `indexer-heif-${process.pid}-${crypto.randomBytes(6).toString('hex')}.v`);
  const release = () => fs.rmSync(file, { force: true });
  return new Promise((resolve) => {
    // `[n=1]`-style options are not needed: thumbnail loads the primary image only.
    const child = spawn(vips, ['thumbnail', source, file, String(size), '--size', 'down', '--no-rotate'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: timeoutMs,
      env: childEnv(),
    });
    let said = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (said.length < 4096) said += chunk.toString('utf8');
    });
    child.on('error', (err) => {
      release();
      resolve({ ok: false, error: err.message });
    });
    child.on('close', (code, signal) => {
      if (code === 0 && fs.existsSync(file)) return resolve({ ok: true, file, release });
      release();
      resolve({ ok: false, error: vipsError(said) || (signal ? `vips killed by ${signal}` : `vips exited with code ${code}`) });
    });
  });
}

/** libvips' error lines without its warnings (e.g. "heifload: ignoring nclx profile", which is expected here). */
function vipsError(stderr: string): string {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/VIPS-WARNING|^\(vips:\d+\)/.test(l))
    .join('; ');
}
