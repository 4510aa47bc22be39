/**
 * A CLIP model is a directory in the layout of Immich's ONNX exports on Hugging Face, so those can be used as-is:
 *
 *   config.json                   open_clip config: embed_dim, vision_cfg.image_size, text_cfg.context_length
 *   visual/model.onnx             input `image`, float32 [N, 3, H, W]
 *   visual/preprocess_cfg.json    size, mean, std, interpolation, resize_mode
 *   textual/model.onnx            input `text`, int32 [N, context_length]
 *   textual/tokenizer.json        Hugging Face tokenizers format
 *   textual/tokenizer_config.json pad_token
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { dataHome } from '../paths.js';
import { modelJsonLimits, readModelJson } from './json-file.js';

/**
 * Bounds on what a model's configs may ask for. Real CLIP inputs are 224-448 pixels (SigLIP up to 512) and embeddings
 * 512-1280 wide; a preprocess_cfg.json asking for 65535x65535 drove the thumbnail stage to 24 GB. Well above every
 * published model, well below what hurts.
 */
const MAX_INPUT_SIDE = 1024;
const MAX_EMBED_DIM = 8192;
const MAX_CONTEXT_LENGTH = 1024;

/** How images are fitted to the model's square input (open_clip's resize_mode). */
const resizeModes = ['shortest', 'longest', 'squash'] as const;
export type ResizeMode = (typeof resizeModes)[number];

export function isResizeMode(value: unknown): value is ResizeMode {
  return (resizeModes as readonly unknown[]).includes(value);
}

export interface PreprocessConfig {
  /** Model input height and width in pixels. */
  height: number;
  width: number;
  /** Per-channel mean and standard deviation (RGB, on 0..1 values). */
  mean: [number, number, number];
  std: [number, number, number];
  /** open_clip's interpolation name; we resize with bicubic (Catmull-Rom) whatever it says, as open_clip's default. */
  interpolation: string;
  resizeMode: ResizeMode;
  /** Padding value (0..255) for resize_mode 'longest'. */
  fillColor: number;
}

export interface ModelInfo {
  /** Short name: the directory's base name. */
  name: string;
  /** Absolute path of the model directory. */
  dir: string;
  /** Name plus a content hash: stored with every embedding; a different model gets a different id. */
  id: string;
  embedDim: number;
  contextLength: number;
  preprocess: PreprocessConfig;
  visualModel: string;
  textualModel: string;
  tokenizerFile: string;
  tokenizerConfigFile: string;
}

/** The files every model directory must hold. */
export const modelFiles = [
  'config.json',
  'visual/model.onnx',
  'visual/preprocess_cfg.json',
  'textual/model.onnx',
  'textual/tokenizer.json',
  'textual/tokenizer_config.json',
] as const;

/** Where installed models live: <XDG data home>/indexer/models/<NAME>. */
export function modelsHome(env: NodeJS.ProcessEnv): string {
  return path.join(dataHome(env), 'indexer', 'models');
}

/**
 * Where load copies of models live (load-copy.ts): <XDG data home>/indexer/model-load, beside the models and outside
 * their directories, which stay exactly as given.
 */
export function loadCopiesHome(env: NodeJS.ProcessEnv): string {
  return path.join(dataHome(env), 'indexer', 'model-load');
}

export const noModelHint = "run 'indexer models pull ViT-B-32' or pass --model DIR";

/**
 * --model DIR|NAME -> directory. A value with a path separator, or an existing directory, is a path; otherwise a
 * name under modelsHome. Without a value: $INDEXER_MODEL, else the model last given with --model (so the cron form
 * `indexer scan` keeps the model a manual run chose instead of re-embedding), else ViT-B-32 if installed, else the
 * first installed model; null if none.
 */
export function resolveModelDir(spec: string | undefined, env: NodeJS.ProcessEnv): string | null {
  spec ||= env.INDEXER_MODEL;
  if (spec) {
    const looksLikePath = spec.includes('/') || spec.includes(path.sep) || spec.startsWith('.');
    if (looksLikePath || fs.existsSync(spec)) return path.resolve(spec);
    return path.join(modelsHome(env), spec);
  }
  const last = lastUsedModel(env);
  if (last) return last;
  const installed = listInstalled(env);
  if (installed.length === 0) return null;
  return path.join(modelsHome(env), installed.includes('ViT-B-32') ? 'ViT-B-32' : installed[0]!);
}

/** File naming the model directory last given with --model. */
function lastUsedFile(env: NodeJS.ProcessEnv): string {
  return path.join(modelsHome(env), '.last-used');
}

function lastUsedModel(env: NodeJS.ProcessEnv): string | null {
  const dir = rememberedDir(env);
  return dir && fs.existsSync(path.join(dir, 'config.json')) ? dir : null;
}

/**
 * Remembers a model given with --model as the default for later runs without one (best effort). Returns what was
 * remembered before (null: nothing), for forgetModel.
 */
export function rememberModel(dir: string, env: NodeJS.ProcessEnv): string | null {
  const previous = rememberedDir(env);
  try {
    if (previous === dir) return previous;
    fs.mkdirSync(modelsHome(env), { recursive: true });
    fs.writeFileSync(lastUsedFile(env), dir + '\n');
  } catch {
    // Not remembering only means the next run without --model picks the installed default.
  }
  return previous;
}

/** Undoes rememberModel for a model that then failed to load: `previous` is remembered again (or nothing). */
export function forgetModel(dir: string, previous: string | null, env: NodeJS.ProcessEnv): void {
  try {
    if (rememberedDir(env) !== dir || previous === dir) return;
    if (previous) fs.writeFileSync(lastUsedFile(env), previous + '\n');
    else fs.rmSync(lastUsedFile(env), { force: true });
  } catch {
    // Best effort, as remembering is.
  }
}

function rememberedDir(env: NodeJS.ProcessEnv): string | null {
  try {
    return fs.readFileSync(lastUsedFile(env), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** Names of complete-looking model directories under modelsHome, sorted. */
export function listInstalled(env: NodeJS.ProcessEnv): string[] {
  const home = modelsHome(env);
  let names: string[];
  try {
    names = fs.readdirSync(home);
  } catch {
    return [];
  }
  return names.filter((n) => fs.existsSync(path.join(home, n, 'config.json'))).sort();
}

/** Which of the layout's files are missing from dir. */
function missingFiles(dir: string): string[] {
  return modelFiles.filter((f) => !fs.existsSync(path.join(dir, f)));
}

/** Reads and checks a model directory; a UserError names the directory and what is wrong with it. */
export function loadModelInfo(dir: string): ModelInfo {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UserError(`no CLIP model at ${dir}: ${noModelHint}`);
  const missing = missingFiles(dir);
  if (missing.length) throw new UserError(`CLIP model ${dir} is incomplete (missing ${missing.join(', ')})`);
  for (const f of modelFiles) checkModelFile(path.join(dir, f));
  const configFile = path.join(dir, 'config.json');
  const config = readJson(configFile) as {
    embed_dim?: unknown;
    text_cfg?: { context_length?: unknown };
  };
  if (config === null || typeof config !== 'object') throw new UserError(`${configFile}: not a JSON object`);
  if (config.embed_dim === undefined) throw new UserError(`${configFile}: embed_dim is missing`);
  const embedDim = boundedInt(config.embed_dim, 1, MAX_EMBED_DIM, configFile, 'embed_dim');
  const contextLength = boundedInt(config.text_cfg?.context_length ?? 77, 2, MAX_CONTEXT_LENGTH, configFile, 'text_cfg.context_length');
  return {
    name: path.basename(dir),
    dir,
    id: modelId(dir),
    embedDim,
    contextLength,
    preprocess: parsePreprocess(path.join(dir, 'visual/preprocess_cfg.json')),
    visualModel: path.join(dir, 'visual/model.onnx'),
    textualModel: path.join(dir, 'textual/model.onnx'),
    tokenizerFile: path.join(dir, 'textual/tokenizer.json'),
    tokenizerConfigFile: path.join(dir, 'textual/tokenizer_config.json'),
  };
}

/** Every file of a model is a regular, non-empty file, and the JSON ones are small enough to read. */
function checkModelFile(file: string): void {
  const st = fs.statSync(file);
  if (!st.isFile()) throw new UserError(`${file}: not a regular file`);
  if (st.size === 0) throw new UserError(`${file}: empty file`);
  const limit = file.endsWith('tokenizer.json') ? modelJsonLimits.tokenizer : file.endsWith('.json') ? modelJsonLimits.config : Infinity;
  if (st.size > limit) throw new UserError(`${file}: ${st.size} bytes, over the ${limit} byte limit for this file (refused unread)`);
}

function boundedInt(value: unknown, min: number, max: number, file: string, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new UserError(`${file}: ${name} must be a whole number from ${min} to ${max}, got ${shown(value)}`);
  }
  return value;
}

/** A config value in an error: numbers as they are, anything else only by its type (never file contents). */
function shown(value: unknown): string {
  return typeof value === 'number' ? String(value) : Array.isArray(value) ? `a list of ${value.length}` : typeof value;
}

function parsePreprocess(file: string): PreprocessConfig {
  const raw = readJson(file) as {
    size?: unknown;
    mean?: unknown;
    std?: unknown;
    interpolation?: unknown;
    resize_mode?: unknown;
    fill_color?: unknown;
  };
  if (raw === null || typeof raw !== 'object') throw new UserError(`${file}: not a JSON object`);
  const sizes = Array.isArray(raw.size) ? raw.size : [raw.size ?? 224];
  if (sizes.length < 1 || sizes.length > 2) throw new UserError(`${file}: size must be one number or two, got ${shown(raw.size)}`);
  const height = boundedInt(sizes[0], 1, MAX_INPUT_SIDE, file, 'size');
  const width = boundedInt(sizes[1] ?? sizes[0], 1, MAX_INPUT_SIDE, file, 'size');
  const triple = (v: unknown, name: string, positive: boolean): [number, number, number] => {
    if (!Array.isArray(v) || v.length !== 3 || v.some((x) => typeof x !== 'number' || !Number.isFinite(x) || (positive && x <= 0))) {
      throw new UserError(`${file}: ${name} must be three ${positive ? 'positive ' : ''}numbers, got ${shown(v)}`);
    }
    return [v[0], v[1], v[2]];
  };
  const mode = raw.resize_mode ?? 'shortest';
  if (!isResizeMode(mode)) throw new UserError(`${file}: resize_mode must be one of ${resizeModes.join(', ')}`);
  return {
    height,
    width,
    mean: triple(raw.mean, 'mean', false),
    std: triple(raw.std, 'std', true),
    interpolation: typeof raw.interpolation === 'string' ? raw.interpolation : 'bicubic',
    resizeMode: mode,
    fillColor: boundedInt(raw.fill_color ?? 0, 0, 255, file, 'fill_color'),
  };
}

function readJson(file: string): unknown {
  return readModelJson(file, modelJsonLimits.config);
}

/**
 * name@hash over the configs and the head, tail and size of both ONNX files: cheap on a 350 MB model, and any
 * re-export or different weights changes it.
 */
export function modelId(dir: string): string {
  const hash = crypto.createHash('sha256');
  for (const f of ['config.json', 'visual/preprocess_cfg.json']) hash.update(fs.readFileSync(path.join(dir, f)));
  for (const f of ['visual/model.onnx', 'textual/model.onnx']) hashHeadTail(hash, path.join(dir, f));
  return `${path.basename(dir)}@${hash.digest('hex').slice(0, 12)}`;
}

/** Feeds `file`'s size and its first and last 64 KB to `hash` (load-copy.ts stamps its copies with it too). */
export function hashHeadTail(hash: crypto.Hash, file: string): void {
  const span = 64 * 1024;
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    hash.update(String(size));
    const buf = Buffer.alloc(Math.min(span, size));
    fs.readSync(fd, buf, 0, buf.length, 0);
    hash.update(buf);
    if (size > span) {
      fs.readSync(fd, buf, 0, buf.length, Math.max(span, size - span));
      hash.update(buf);
    }
  } finally {
    fs.closeSync(fd);
  }
}
