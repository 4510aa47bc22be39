/**
 * A synthetic catalog for the search-at-scale bench: N present photos with 512-d embeddings shaped like CLIP's
 * (not uniform): every photo shares a common direction (CLIP image vectors sit in a narrow cone, unrelated photos at
 * cosine ~0.3-0.5), photos come in groups (events, places, people: 5,000 groups of very unequal size) and in
 * sub-groups within them (bursts, near-duplicates); dates over ten years and a camera each (one model on a quarter of
 * them), so `--after` and `--camera` have something to filter. Written into the catalog's own schema (its migrations)
 * in bulk (bulk-load.ts): the rows the clip stage would leave, the embeddings' seq and the model's generation
 * included, written directly instead of through saveEmbedding and its triggers.
 */
import path from 'node:path';
import type { Db } from '../src/catalog/open.js';
import { recordModel } from '../src/catalog/embeddings.js';
import { normalize, toBlob } from '../src/vectors.js';
import { withoutIndexes } from './bulk-load.js';

export const dim = 512;
export const modelId = 'bench-clip@000000000000';
export const groups = 5_000;
export const cameras = ['Apple iPhone 13', 'Canon EOS R6', 'NIKON D750', 'SONY ILCE-7M3', 'FUJIFILM X-T4', 'Google Pixel 7'];
/** The dates: 2015-01-01 + up to ten years. */
export const firstDay = Date.UTC(2015, 0, 1);
export const spanMs = 10 * 365 * 86_400_000;

/** A 32-bit LCG: fine for the short streams of the space and the queries (its period is 2^32 draws). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/**
 * The photos' stream: sfc32 (period at least 2^32, typically ~2^127), seeded through splitmix32. Each photo draws ~2,050
 * numbers, so the LCG's 2^32 draws ran out after 1,997,986 photos and the stream started over: a 10M catalog held
 * five exact copies of 2M vectors (84 % of the exact top 20 were copies, which the graph loses among their twins).
 */
export function longStream(seed: number): () => number {
  let z = seed >>> 0;
  const splitmix = () => {
    z = (z + 0x9e3779b9) >>> 0;
    let t = z ^ (z >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 2 ** 32;
  };
}

/** Roughly normal (sum of four uniforms), mean 0, sd 1. */
export function gaussian(rand: () => number): () => number {
  return () => (rand() + rand() + rand() + rand() - 2) * 1.732;
}

/** The fixed shape of the space (same seed: same space for the catalog and the queries). */
export interface Space {
  common: Float32Array;
  /** Where text vectors sit, away from every photo. */
  textCone: Float32Array;
  centers: Float32Array;
  /** Group picked for a uniform draw u in [0,1): Zipf-like, a few big groups and a long tail. */
  groupOf(u: number): number;
}

export function space(): Space {
  const g = gaussian(lcg(7));
  const common = normalize(Float32Array.from({ length: dim }, g));
  const textCone = normalize(Float32Array.from({ length: dim }, g));
  const centers = new Float32Array(groups * dim);
  for (let i = 0; i < centers.length; i++) centers[i] = g();
  for (let c = 0; c < groups; c++) normalize(centers.subarray(c * dim, (c + 1) * dim));
  return { common, textCone, centers, groupOf: (u) => Math.min(groups - 1, Math.floor(groups * u ** 2)) };
}

const noiseScale = 0.25 / Math.sqrt(dim);

/** A photo's vector: common cone + its group + its sub-group (burst) + its own noise, normalised. */
export function photoVector(s: Space, group: number, burst: Float32Array, g: () => number, out = new Float32Array(dim)): Float32Array {
  const c = group * dim;
  // Norms 0.75, 0.75, 0.4, 0.25: unrelated photos at cosine ~0.42, one group's ~0.83, one burst's ~0.95.
  for (let j = 0; j < dim; j++) out[j] = 0.75 * s.common[j]! + 0.75 * s.centers[c + j]! + 0.4 * burst[j]! + noiseScale * g();
  return normalize(out);
}

/** A text query's vector: in a cone of its own (the modality gap), leaning toward one or two groups. */
export function textVector(s: Space, rand: () => number): Float32Array {
  const g = gaussian(rand);
  const a = s.groupOf(rand()) * dim;
  const b = s.groupOf(rand()) * dim;
  const w = rand();
  return normalize(
    Float32Array.from({ length: dim }, (_, j) => 0.6 * s.textCone[j]! + 0.3 * s.common[j]! + 0.5 * s.centers[a + j]! + 0.3 * w * s.centers[b + j]! + noiseScale * g()),
  );
}

/**
 * Writes n photos (files, exif, embeddings) into an open, migrated, empty SQLite catalog; calls `progress` now and
 * then. Photo i's group, burst, date and camera follow from the seed alone. Each embedding gets the seq the clip
 * stage's commit would give it (one generation per write: 1..n) and the model ends at generation n.
 */
export function writeCatalog(db: Db, n: number, photosDir: string, progress?: (done: number) => void): void {
  withoutIndexes(db, ['files', 'exif', 'embeddings'], () => writeRows(db, n, photosDir, progress));
  db.prepare(`UPDATE clip_models SET generation = ? WHERE id = ?`).run(n, modelId);
}

function writeRows(db: Db, n: number, photosDir: string, progress?: (done: number) => void): void {
  const s = space();
  const rand = longStream(2026);
  const g = gaussian(rand);
  const rootId = Number(db.prepare(`INSERT INTO roots (path, added_at) VALUES (?, 0)`).run(photosDir).lastInsertRowid);
  recordModel(db, { id: modelId, name: 'bench-clip', dir: photosDir, dim }, 1);
  const file = db.prepare(
    `INSERT INTO files (root_id, path, kind, ext, size, mtime_ms, ino, dev, identity, state, first_seen, last_seen)
     VALUES (?, ?, 'image', 'jpg', 3000000, 0, ?, 1, ?, 'present', 0, 0)`,
  );
  const exif = db.prepare(`INSERT INTO exif (file_id, taken_at_ms, make, model) VALUES (?, ?, ?, ?)`);
  const embedding = db.prepare(`INSERT INTO embeddings (file_id, model_id, vector, created_at, seq) VALUES (?, ?, ?, 1, ?)`);
  const burst = new Float32Array(dim);
  const v = new Float32Array(dim);
  let group = 0;
  let left = 0;
  let takenAt = firstDay;
  const batch = 50_000;
  const pad = (x: number, width: number) => String(x).padStart(width, '0');
  for (let start = 0; start < n; start += batch) {
    db.transaction(() => {
      for (let i = start; i < Math.min(n, start + batch); i++) {
        if (left === 0) {
          // A new burst: 1-40 photos of one group, at one moment.
          group = s.groupOf(rand());
          left = 1 + Math.floor(rand() * 40);
          for (let j = 0; j < dim; j++) burst[j] = g() / Math.sqrt(dim);
          takenAt = firstDay + Math.floor(rand() * spanMs);
        }
        left--;
        // Zero-padded names: rows arrive in the order of the UNIQUE path index, which then only appends.
        const name = path.join(photosDir, pad(Math.floor(i / 1000), 5), `IMG_${pad(i, 8)}.jpg`);
        const id = Number(file.run(rootId, name, String(i), i.toString(16).padStart(16, '0')).lastInsertRowid);
        const camera = rand() < 0.25 ? cameras[0]! : cameras[1 + Math.floor(rand() * (cameras.length - 1))]!;
        const [make, ...model] = camera.split(' ');
        exif.run(id, takenAt + i, make, model.join(' '));
        embedding.run(id, modelId, toBlob(photoVector(s, group, burst, g, v)), i + 1);
      }
    })();
    progress?.(Math.min(n, start + batch));
  }
}
