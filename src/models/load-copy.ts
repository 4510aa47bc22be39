/**
 * The file ONNX Runtime should open for a model: a copy of it with its weights in a side file (onnx-weights.ts),
 * made once per version of the model file and kept under <data home>/indexer/model-load, or the model file itself.
 *
 * Why a copy and not the model's own directory: a --model directory is the user's (it may be read-only, shared, or a
 * checkout) and its files are what the model id is computed from. The copy is only ever a faster way to load the same
 * bytes: whenever it cannot be made or used (no space, a read-only home, a model it cannot rewrite), the model file
 * is opened as it is, exactly as before.
 *
 * Layout: <home>/<hash of the model's real path>/<stamp>.onnx and <stamp>.weights, where the stamp covers the
 * model file's size, mtime, inode and device; or <stamp>.as-is when the model is best opened as it is (weights
 * already outside, nothing large inline, or a copy ORT refused). A model file that changes gets a new stamp, and the
 * files of older stamps are removed when the new copy is in place.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AlreadyExternal, moveWeightsOut } from './onnx-weights.js';

/** Bump when the copy's layout changes: every existing copy is then made again. */
const FORMAT = 1;

export interface LoadCopyOptions {
  /** Directory the copies live in (model-dir.ts loadCopiesHome). */
  home: string;
  /** Model files smaller than this are opened as they are: their load time is small either way. */
  minFileBytes?: number;
  /** Tensors smaller than this stay inside the copy's graph. */
  minTensorBytes?: number;
}

const defaults = { minFileBytes: 16 * 2 ** 20, minTensorBytes: 1024 };

/** The file to open for `file`: its load copy (made now if needed) or `file` itself. Never throws for the copy's sake. */
export function loadFileFor(file: string, options: LoadCopyOptions): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return file; // ORT reports a missing model in its own words
  }
  if (stat.size < (options.minFileBytes ?? defaults.minFileBytes)) return file;
  const { dir, stamp } = placeOf(file, stat, options.home);
  const model = path.join(dir, `${stamp}.onnx`);
  if (fs.existsSync(model)) return model;
  if (fs.existsSync(path.join(dir, `${stamp}.as-is`))) return file;
  try {
    return makeCopy(file, stat, dir, stamp, options.minTensorBytes ?? defaults.minTensorBytes);
  } catch {
    return file;
  }
}

/** After ORT refused the copy but opened the model file: the model is opened as it is from now on. */
export function refuseLoadCopy(file: string, options: LoadCopyOptions): void {
  try {
    const { dir, stamp } = placeOf(file, fs.statSync(file), options.home);
    for (const suffix of ['.onnx', '.weights']) fs.rmSync(path.join(dir, stamp + suffix), { force: true });
    fs.writeFileSync(path.join(dir, `${stamp}.as-is`), 'ONNX Runtime refused the load copy of ' + file + '\n');
  } catch {
    // Nothing lost: the next run tries the copy again and falls back again.
  }
}

function placeOf(file: string, stat: fs.Stats, home: string): { dir: string; stamp: string } {
  const hash = (text: string) => crypto.createHash('sha256').update(text).digest('hex').slice(0, 16);
  const real = fs.realpathSync(file);
  return {
    dir: path.join(home, hash(real)),
    stamp: hash(`${FORMAT}:${stat.size}:${stat.mtimeMs}:${stat.ino}:${stat.dev}`),
  };
}

function makeCopy(file: string, stat: fs.Stats, dir: string, stamp: string, minTensorBytes: number): string {
  fs.mkdirSync(dir, { recursive: true });
  const unique = `${process.pid}-${crypto.randomBytes(4).toString('hex')}.tmp`;
  const tmpModel = path.join(dir, `${stamp}.onnx.${unique}`);
  const tmpWeights = path.join(dir, `${stamp}.weights.${unique}`);
  const model = path.join(dir, `${stamp}.onnx`);
  try {
    let moved = 0;
    try {
      moved = moveWeightsOut(file, tmpModel, tmpWeights, `${stamp}.weights`, minTensorBytes).tensors;
    } catch (err) {
      if (!(err instanceof AlreadyExternal)) throw err;
    }
    const after = fs.statSync(file);
    if (after.size !== stat.size || after.mtimeMs !== stat.mtimeMs || after.ino !== stat.ino) return file; // changed while read
    if (moved === 0) {
      fs.writeFileSync(path.join(dir, `${stamp}.as-is`), 'nothing to gain from a load copy of ' + file + '\n');
      return file;
    }
    // The weights first: a graph under its final name always has its weights beside it.
    fs.renameSync(tmpWeights, path.join(dir, `${stamp}.weights`));
    fs.renameSync(tmpModel, model);
  } finally {
    fs.rmSync(tmpModel, { force: true });
    fs.rmSync(tmpWeights, { force: true });
  }
  removeOtherStamps(dir, stamp);
  return model;
}

/** Copies of earlier versions of the model file (and what a crashed run left) go once the new copy is in place. */
function removeOtherStamps(dir: string, stamp: string): void {
  const keep = new Set([`${stamp}.onnx`, `${stamp}.weights`]);
  for (const name of fs.readdirSync(dir)) {
    if (!keep.has(name)) fs.rmSync(path.join(dir, name), { force: true });
  }
}
