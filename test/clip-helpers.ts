/** Shared by the clip, search and models tests: a real catalog in a temp dir, file rows, previews made with sharp. */
import './temp.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { openCatalog, type Db } from '../src/catalog/open.js';
import { previewPath } from '../src/extract/thumbnail/paths.js';
import type { PreprocessConfig } from '../src/models/model-dir.js';

/** Repository root (tests run from dist/test/...). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const tinyModel = path.join(repoRoot, 'fixtures/models/tiny-clip');
export const tinyModelB = path.join(repoRoot, 'fixtures/models/tiny-clip-b');
/** tiny-clip at the CLIP family's 224 px input: the size that embeds from the thumbnail stage's clip sources. */
export const tinyModel224 = path.join(repoRoot, 'fixtures/models/tiny-clip-224');
/** The original CLIP vocabulary shipped beside the repo (../shared/models/clip-bpe). */
export const clipBpeDir = path.resolve(repoRoot, '../shared/models/clip-bpe');

/** The preprocessing of OpenAI's CLIP ViT-B/32 (open_clip's preprocess_cfg.json), written out. */
export const clipCfg: PreprocessConfig = {
  width: 224,
  height: 224,
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
  interpolation: 'bicubic',
  resizeMode: 'shortest',
  fillColor: 0,
};

/** Deterministic pseudo-random numbers in [-1, 1) (no Math.random: failures must reproduce). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `indexer-${prefix}-`));
}

export interface TestCatalog {
  dir: string;
  dbPath: string;
  cacheDir: string;
  db: Db;
  rootId: number;
}

/** A catalog in a temp dir: a SQLite file there, or `db` when given (a PostgreSQL catalog from test/helpers/backends). */
export function makeCatalog(prefix = 'clip', given?: Db): TestCatalog {
  const dir = tempDir(prefix);
  const dbPath = path.join(dir, 'catalog.db');
  const db = given ?? openCatalog(dbPath);
  const rootId = db.prepare(`INSERT INTO roots (path, added_at) VALUES (?, 0) RETURNING id`).pluck().get(path.join(dir, 'photos')) as number;
  return { dir, dbPath, cacheDir: path.join(dir, 'cache'), db, rootId };
}

/** Inserts a present image file row; the identity is derived from the name. */
export function addFile(c: TestCatalog, name: string, state = 'present'): { id: number; path: string; identity: string } {
  const file = path.join(c.dir, 'photos', name);
  const identity = Buffer.from(name).toString('hex').padEnd(8, '0');
  const id = c.db
    .prepare(
      `INSERT INTO files (root_id, path, kind, ext, size, mtime_ms, ino, dev, identity, state, first_seen, last_seen)
       VALUES (?, ?, 'image', 'jpg', 100, 0, '1', 1, ?, ?, 0, 0) RETURNING id`,
    )
    .pluck()
    .get(c.rootId, file, identity, state) as number;
  return { id, path: file, identity };
}

export type Rgb = [number, number, number];

/** A solid-colour PNG (lossless, so the colour is exact). */
export async function solidImage(file: string, rgb: Rgb, width = 64, height = 48): Promise<string> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toFile(file);
  return file;
}

/** The preview the thumbnail stage would have written for this identity (JPEG, as that stage writes). */
export async function writePreview(cacheDir: string, identity: string, rgb: Rgb): Promise<string> {
  const file = previewPath(cacheDir, identity);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp({ create: { width: 96, height: 64, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .jpeg({ quality: 95 })
    .toFile(file);
  return file;
}

export const colours: Record<string, Rgb> = {
  red: [230, 20, 20],
  green: [20, 200, 30],
  blue: [20, 30, 220],
  yellow: [240, 230, 20],
};

/** Every file under dir, recursively, as full paths ([] when dir does not exist). */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/**
 * A camera-like JPEG: gradients plus texture, stored sideways with EXIF orientation 6 (upright it is height x width).
 * Named by its size, so one folder can hold several.
 */
export async function texturedPhoto(dir: string, width = 1200, height = 900): Promise<string> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = (x * 255) / width;
      raw[i + 1] = (y * 255) / height;
      raw[i + 2] = (Math.sin(x / 23) * Math.cos(y / 31) + 1) * 127;
    }
  }
  const file = path.join(dir, `photo-${width}x${height}.jpg`);
  await sharp(raw, { raw: { width, height, channels: 3 } }).withMetadata({ orientation: 6 }).jpeg({ quality: 92 }).toFile(file);
  return file;
}

/** A library of one plain-coloured JPEG per entry of `colours` (width x height), with a catalog, cache and data dir. */
export async function colourLibrary(
  prefix: string,
  width: number,
  height: number,
): Promise<{ dir: string; root: string; args: string[]; env: NodeJS.ProcessEnv }> {
  const dir = tempDir(prefix);
  const root = path.join(dir, 'photos');
  fs.mkdirSync(root);
  for (const [name, rgb] of Object.entries(colours)) {
    await sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
      .jpeg()
      .toFile(path.join(root, `${name}.jpg`));
  }
  const args = ['--db', path.join(dir, 'catalog.db'), '--cache-dir', path.join(dir, 'cache'), '--quiet'];
  return { dir, root, args, env: { XDG_DATA_HOME: path.join(dir, 'data'), XDG_CACHE_HOME: path.join(dir, 'xdg-cache') } };
}
