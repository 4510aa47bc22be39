/**
 * The catalog side of `indexer duplicates`. It reads, and writes one cache: the whole-file hashes that confirm exact
 * copies (a table nothing else reads, each row checked against the file's size and mtime, so writing it beside a
 * running scan is safe; SQLite orders the writes). It does not hold the writer lock, so a cron scan is never turned
 * away by it; only a catalog of an older schema is upgraded first, under the lock when that is free.
 */
import fs from 'node:fs';
import os from 'node:os';
import type { Command } from 'commander';
import { acquireWriterLock } from '../catalog/lock.js';
import { openCatalog, schemaVersion, type Db } from '../catalog/open.js';
import { catalogSchemaVersion } from '../catalog/maintenance.js';
import {
  cachedContentHash,
  duplicateDetails,
  duplicateKeys,
  saveContentHash,
  sharedIdentities,
  thumbPaths,
  type DuplicateCandidate,
  type DuplicateKey,
} from '../catalog/duplicates.js';
import { modelsInUse, vectorsOf } from '../catalog/embeddings.js';
import { describeError, ExitCode, UserError } from '../errors.js';
import { sha256File } from '../duplicates/content-hash.js';
import { findDuplicates, type DuplicateGroup } from '../duplicates/find.js';
import { writeDuplicatesPage } from '../duplicates/html.js';
import type { Logger } from '../types.js';
import { catalogPath, type CliEnv } from './env.js';

export interface RunOptions {
  /** Absolute files or folders; empty: everything. */
  under: string[];
  threshold: number;
  similar: number | null;
  prefer: string[];
  html?: string;
}

/** Threads for the near-pair search: every core, as the extraction stages use them. */
const THREADS = Math.max(1, os.availableParallelism());

export async function runDuplicates(
  cmd: Command,
  cli: CliEnv,
  log: Logger,
  opts: RunOptions,
): Promise<{ groups: DuplicateGroup[]; writeHtml(file: string): void }> {
  const file = catalogPath(cmd, cli);
  if (!fs.existsSync(file)) throw new UserError(`no catalog at ${file}: run 'indexer scan ROOT' first`);
  const { db, writable } = await openUpToDate(file, cli);
  try {
    const candidates = selectUnder(loadKeys(db, opts.under.length > 0), opts.under);
    const unhashed = candidates.filter((f) => f.kind === 'image' && !f.phash).length;
    if (unhashed) log.warn(`duplicates: ${unhashed} photo${unhashed === 1 ? ' has' : 's have'} no perceptual hash yet (run 'indexer resume'); they are matched as exact copies only`);
    const groups = await findDuplicates(
      {
        candidates,
        details: (ids) => duplicateDetails(db, ids),
        sharedIdentities: sharedIdentities(db),
        contentHash: (f) => contentHash(db, writable, f, log),
        embeddings: (ids) => newestEmbeddings(db, ids),
      },
      { ...opts, threads: THREADS },
    );
    const thumbs = opts.html ? thumbPaths(db, groups.flatMap((g) => g.files.map((f) => f.id))) : new Map<number, string>();
    return { groups, writeHtml: (target) => writeDuplicatesPage(target, groups, thumbs) };
  } finally {
    db.close();
  }
}

/**
 * The catalog opened for reading and caching. A catalog of an older schema is migrated first when the writer lock
 * is free (as a scan would); when another indexer holds it, it is read as it is (and without the cache).
 */
async function openUpToDate(file: string, cli: CliEnv): Promise<{ db: Db; writable: boolean }> {
  const probe = openCatalog(file, { readonly: true });
  const version = catalogSchemaVersion(probe);
  probe.close();
  if (version === schemaVersion) return { db: openCatalog(file), writable: true };
  const release = await tryWriterLock(file, cli);
  if (!release) return { db: openCatalog(file, { readonly: true }), writable: false };
  try {
    openCatalog(file).close();
  } finally {
    release();
  }
  return { db: openCatalog(file), writable: true };
}

async function tryWriterLock(file: string, cli: CliEnv): Promise<(() => void) | null> {
  try {
    return await acquireWriterLock(file, { wait: false, clock: cli.clock });
  } catch (err) {
    if (err instanceof UserError && err.code === ExitCode.busy) return null;
    throw err;
  }
}

/** Keys of every present file (with paths when some PATHs select among them); the full rows come later, for few. */
function loadKeys(db: Db, withPath: boolean): (DuplicateKey & { path?: string })[] {
  try {
    return duplicateKeys(db, withPath);
  } catch (err) {
    if (/no such table/.test(String((err as Error)?.message))) {
      throw new UserError("this catalog has no perceptual hashes yet and another indexer is using it: run 'indexer resume' when it is done");
    }
    throw err;
  }
}

/** Files under any of `under` (all when empty); a PATH with no indexed file under it is a usage error. */
function selectUnder(files: (DuplicateKey & { path?: string })[], under: string[]): DuplicateKey[] {
  if (under.length === 0) return files;
  const prefixes = under.map((p) => p.replace(/\/+$/, '') || '/');
  const inside = (f: string, p: string) => f === p || f.startsWith(p === '/' ? p : p + '/');
  for (const p of prefixes) {
    if (!files.some((f) => inside(f.path!, p))) throw new UserError(`${p}: no indexed files there (run 'indexer scan' on it first)`);
  }
  return files.filter((f) => prefixes.some((p) => inside(f.path!, p)));
}

async function contentHash(db: Db, writable: boolean, f: DuplicateCandidate, log: Logger): Promise<string | null> {
  const cached = cachedContentHash(db, f.id, f.size, f.mtimeMs);
  if (cached) return cached;
  let hash: string;
  try {
    hash = await sha256File(f.path);
  } catch (err) {
    log.warn(`${f.path}: cannot read it to confirm an exact copy: ${describeError(err)}`);
    return null;
  }
  try {
    if (writable) saveContentHash(db, f.id, f.size, f.mtimeMs, hash);
  } catch {
    // Only a cache (a scan removed the file's row meanwhile, or kept the catalog busy too long): computed again next time.
  }
  return hash;
}

/** Embeddings of the newest CLIP model (vectors of different models are not comparable). */
function newestEmbeddings(db: Db, ids: number[]): Map<number, Float32Array> {
  const model = modelsInUse(db)[0];
  return model ? vectorsOf(db, model.id, ids) : new Map();
}
