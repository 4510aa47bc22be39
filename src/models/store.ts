/**
 * Installed models under <data home>/indexer/models: pull (download a known model, resumable, verified), and verify
 * (layout, recorded checksums, and a smoke inference through both encoders).
 * A pull downloads into NAME.partial/ and renames it to NAME only when every file is verified, so a half-finished
 * pull is never mistaken for a model; running pull again resumes the partial files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describeError, UserError } from '../errors.js';
import { ClipModel } from './clip-model.js';
import { download, sha256File, type DownloadResult } from './download.js';
import { fileUrl, knownModels, pinnedChecksums } from './known.js';
import { loadModelInfo, modelFiles, modelsHome } from './model-dir.js';

/** Written beside the model's files by pull; verify re-checks the files against it. */
const manifestName = '.indexer-manifest.json';

export interface Manifest {
  name: string;
  repo: string;
  /**
   * file -> size and sha256; `published`: the server sent a checksum and it matched (the transfer, not the origin);
   * `pinned`: it matched a pinned sha256 (the published file). A file not pinned is unverified.
   */
  files: Record<string, { bytes: number; sha256: string; published: boolean; pinned: boolean }>;
}

export interface PullProgress {
  /** A file starts: its name, and the bytes already there from an earlier try. */
  start(file: string, resumedFrom: number): void;
  progress(file: string, done: number, total: number | null): void;
  end(file: string, result: DownloadResult): void;
}

export async function pullModel(
  name: string,
  env: NodeJS.ProcessEnv,
  options: { force?: boolean; progress?: PullProgress; signal?: AbortSignal },
): Promise<{ dir: string; manifest: Manifest; alreadyInstalled: boolean }> {
  const known = knownModels[name];
  if (!known) throw new UserError(`unknown model '${name}' (known: ${Object.keys(knownModels).join(', ')}); or pass --model DIR to scan`);
  const dir = path.join(modelsHome(env), name);
  if (fs.existsSync(dir) && !options.force) {
    const manifest = readManifest(dir) ?? { name, repo: known.repo, files: {} };
    return { dir, manifest, alreadyInstalled: true };
  }
  const partial = dir + '.partial';
  const manifest: Manifest = { name, repo: known.repo, files: {} };
  const pins = pinnedChecksums(name, env);
  for (const file of modelFiles) {
    const target = path.join(partial, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const resumedFrom = fs.existsSync(target + '.part') ? fs.statSync(target + '.part').size : 0;
    options.progress?.start(file, resumedFrom);
    let result: DownloadResult;
    try {
      result = await download(fileUrl(known, file, env), target, {
        onProgress: (done, total) => options.progress?.progress(file, done, total),
        signal: options.signal,
        pinnedSha256: pins[file],
      });
    } catch (err) {
      // Bytes already down stay for the next try to resume; folders holding none go (nothing half-made is left).
      removeEmpty(partial);
      throw new UserError(`pull ${name}: ${file}: ${describeError(err)}`, 1);
    }
    options.progress?.end(file, result);
    manifest.files[file] = { bytes: result.bytes, sha256: result.sha256, published: result.verified, pinned: result.pinned };
  }
  fs.writeFileSync(path.join(partial, manifestName), JSON.stringify(manifest, null, 2) + '\n');
  if (fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(partial, dir);
  return { dir, manifest, alreadyInstalled: false };
}

/** The files of a pull that no pinned sha256 vouches for. */
export function unverifiedFiles(manifest: Manifest): string[] {
  return Object.entries(manifest.files)
    .filter(([, f]) => !f.pinned)
    .map(([f]) => f);
}

/** Removes empty part files and folders under `dir`, and `dir` itself when nothing is left. */
function removeEmpty(dir: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) removeEmpty(full);
    else if (e.isFile() && e.name.endsWith('.part') && fs.statSync(full).size === 0) fs.rmSync(full, { force: true });
  }
  if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
}

function readManifest(dir: string): Manifest | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, manifestName), 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

export interface VerifyReport {
  dir: string;
  id: string | null;
  ok: boolean;
  problems: string[];
  /** Embedding width the encoders produced, when they ran. */
  dim: number | null;
}

/** Checks a model directory: files present, checksums as recorded at pull, both encoders run and agree on width. */
export async function verifyModel(dir: string, warn: (m: string) => void): Promise<VerifyReport> {
  const problems: string[] = [];
  let id: string | null = null;
  let dim: number | null = null;
  const manifest = readManifest(dir);
  for (const [file, want] of Object.entries(manifest?.files ?? {})) {
    const full = path.join(dir, file);
    if (!fs.existsSync(full)) continue; // reported by loadModelInfo below
    const got = await sha256File(full);
    if (got !== want.sha256) problems.push(`${file}: sha256 ${got} differs from ${want.sha256} recorded at pull`);
  }
  try {
    const info = loadModelInfo(dir);
    id = info.id;
    const model = new ClipModel(info, { device: 'cpu', warn });
    try {
      const grey = new Float32Array(3 * info.preprocess.width * info.preprocess.height);
      const [image] = await model.encodeImages([grey]);
      const text = await model.encodeText('a photo of a cat');
      if (image!.length !== info.embedDim) problems.push(`visual encoder gives ${image!.length} values, config.json says ${info.embedDim}`);
      if (text.length !== info.embedDim) problems.push(`textual encoder gives ${text.length} values, config.json says ${info.embedDim}`);
      dim = image!.length;
    } finally {
      await model.release();
    }
  } catch (err) {
    problems.push(describeError(err));
  }
  return { dir, id, ok: problems.length === 0, problems, dim };
}
