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
 * model file's size, mtime, inode, device and its first and last 64 KB; or <stamp>.as-is when the model is best
 * opened as it is (weights already outside, nothing large inline, or a copy ORT refused on the CPU). A model file
 * that changes gets a new stamp, and the files of older stamps are removed when the new copy is in place. No copy is
 * started without room for it and 512 MB to spare on its disk.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pidAlive } from '../liveness.js';
import { hashHeadTail } from './model-dir.js';
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
/** Left free on the copies' disk beyond the copy itself: the catalog and the thumbnails usually share it. */
const spareBytes = 512 * 2 ** 20;

/** The file to open for `file`: its load copy (made now if needed) or `file` itself. Never throws for the copy's sake. */
export function loadFileFor(file: string, options: LoadCopyOptions): string {
  try {
    const stat = fs.statSync(file);
    if (stat.size < (options.minFileBytes ?? defaults.minFileBytes)) return file;
    const { dir, stamp } = placeOf(file, stat, options.home);
    const model = path.join(dir, `${stamp}.onnx`);
    if (fs.existsSync(model)) return model;
    if (fs.existsSync(path.join(dir, `${stamp}.as-is`))) return file;
    if (!roomFor(options.home, stat.size)) return file; // asked again next run, when there may be room
    return makeCopy(file, stat, dir, stamp, options.minTensorBytes ?? defaults.minTensorBytes);
  } catch {
    return file; // a missing model is ORT's to report, in its own words; anything else only costs the copy
  }
}

/**
 * After ONNX Runtime refused the copy `copy` (a path loadFileFor returned) on the CPU, and opened the model file
 * itself: that version of the model file is opened as it is from now on. A copy gone since it was found (someone
 * cleaned the folder, a newer version of the model file replaced it) was not refused, and nothing is marked.
 */
export function refuseLoadCopy(copy: string): void {
  const stamp = path.join(path.dirname(copy), path.basename(copy, '.onnx'));
  if (!fs.existsSync(copy) || !fs.existsSync(`${stamp}.weights`)) return;
  try {
    for (const suffix of ['.onnx', '.weights']) fs.rmSync(stamp + suffix, { force: true });
    fs.writeFileSync(`${stamp}.as-is`, 'ONNX Runtime refused this load copy\n');
  } catch {
    // Nothing lost: the next run tries the copy again and falls back again.
  }
}

/** Whether the copy's disk has room for `bytes` more and still some to spare. */
function roomFor(home: string, bytes: number): boolean {
  let dir = home;
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  const fsStats = fs.statfsSync(dir);
  return fsStats.bavail * fsStats.bsize >= bytes + spareBytes;
}

/**
 * Where the copy of this version of `file` lives. The stamp covers the file's size, times and inode, and its first
 * and last 64 KB (a file rewritten in place to the same size and mtime still gets a new stamp).
 */
function placeOf(file: string, stat: fs.Stats, home: string): { dir: string; stamp: string } {
  const hash = () => crypto.createHash('sha256');
  const stamp = hash().update(`${FORMAT}:${stat.mtimeMs}:${stat.ino}:${stat.dev}`);
  hashHeadTail(stamp, file);
  const dir = path.join(home, hash().update(fs.realpathSync(file)).digest('hex').slice(0, 16));
  return { dir, stamp: stamp.digest('hex').slice(0, 16) };
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
  removeLeftovers(dir, stamp);
  return model;
}

/**
 * Once the new copy is in place: the files of earlier versions of the model file go, and so do temp files that a
 * process which no longer runs left (another one making this copy right now keeps its own).
 */
function removeLeftovers(dir: string, stamp: string): void {
  for (const name of fs.readdirSync(dir)) {
    const temp = /\.(\d+)-[0-9a-f]+\.tmp$/.exec(name);
    const gone = name.startsWith(`${stamp}.`) ? temp !== null && !pidAlive(Number(temp[1])) : true;
    if (gone) fs.rmSync(path.join(dir, name), { force: true });
  }
}
