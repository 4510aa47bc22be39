/**
 * Ranking for `indexer search`: a text query, an example image (indexed or not), or both, against every present
 * file's stored embedding, filtered by catalog metadata. Each file holds the embedding of the newest model that
 * embedded it; while a model switch is still re-embedding, files are grouped by model and the query is embedded
 * once per model, so every file stays searchable.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../catalog/open.js';
import {
  describeFiles,
  embeddingOf,
  presentEmbeddingCount,
  searchableModels,
  presentFileId,
  type SearchFilters,
} from '../catalog/embeddings.js';
import { describeError, UserError } from '../errors.js';
import { ClipModel } from '../models/clip-model.js';
import { imageToTensor } from '../extract/image-tensor.js';
import { loadCopiesHome, loadModelInfo, resolveModelDir, type ModelInfo } from '../models/model-dir.js';
import type { Device } from '../models/onnx.js';
import { catalogFilter } from './candidate-filter.js';
import { rank } from './rank.js';
import type { VectorCache } from './vector-store.js';
import { normalize, type Hit } from './vectors.js';

export interface SearchRequest {
  text?: string;
  /** Example image: any readable image file. */
  likePath?: string;
  limit: number;
  filters: SearchFilters;
  /** --model: where to find a model whose files moved since it embedded the catalog. */
  modelSpec?: string;
  device: Device;
  /** --exact: scan every vector even where the approximate index would answer. */
  exact?: boolean;
}

export interface SearchResult {
  fileId: number;
  path: string;
  score: number;
  thumbPath: string | null;
}

export interface SearchContext {
  env: NodeJS.ProcessEnv;
  warn(message: string): void;
  /** Where to keep the quantized vector file between searches (none: rebuilt from the catalog every time). */
  cache?: VectorCache;
}

export async function search(db: Db, req: SearchRequest, ctx: SearchContext): Promise<SearchResult[]> {
  if (!req.text && !req.likePath) throw new UserError('search needs a QUERY text or --like IMAGE');
  const likePath = req.likePath ? path.resolve(req.likePath) : undefined;
  if (likePath) assertRegularFile(likePath, req.likePath!);
  const groups = searchableModels(db);
  if (groups.length === 0) {
    ctx.warn("search: no embeddings in the catalog yet: run 'indexer scan' (or 'indexer resume') with a CLIP model");
    return [];
  }
  const likeId = likePath ? presentFileId(db, likePath) : null;
  const likeStored = likeId !== null ? embeddingOf(db, likeId) : null;
  const explicit = explicitModel(req.modelSpec, ctx.env);
  let hits: Hit[] = [];
  const filter = catalogFilter(db, req.filters);
  for (const group of groups) {
    const info = openable(db, group, explicit, ctx);
    if (!info) continue;
    // One query: no prepacking (clip-model.ts), and the encoders opened from their load copies (load-copy.ts).
    const model = new ClipModel(info, { device: req.device, warn: ctx.warn, loadCopies: { home: loadCopiesHome(ctx.env) } });
    try {
      const parts: Float32Array[] = [];
      if (req.text) parts.push(await model.encodeText(req.text));
      if (likePath) {
        if (likeStored?.modelId === group.id) parts.push(likeStored.vector);
        else parts.push((await model.encodeImages([await readExample(likePath, info)]))[0]!);
      }
      const query = combine(parts);
      hits = hits.concat(await rank(db, group.id, query, { limit: req.limit, filter, exact: req.exact === true, cache: ctx.cache, env: ctx.env }));
    } finally {
      await model.release();
    }
  }
  hits.sort((a, b) => b.score - a.score || a.fileId - b.fileId);
  hits = hits.slice(0, req.limit);
  const files = describeFiles(
    db,
    hits.map((h) => h.fileId),
  );
  return hits.flatMap((h) => {
    const f = files.get(h.fileId);
    return f ? [{ fileId: h.fileId, path: f.path, score: h.score, thumbPath: f.thumbPath }] : [];
  });
}

function explicitModel(spec: string | undefined, env: NodeJS.ProcessEnv): ModelInfo | null {
  if (!spec) return null;
  const dir = resolveModelDir(spec, env);
  return dir ? loadModelInfo(dir) : null;
}

/** The model a group was embedded with, if its files can still be found (or --model points at the same model). */
function openable(db: Db, group: { id: string; dir: string; name: string }, explicit: ModelInfo | null, ctx: SearchContext): ModelInfo | null {
  if (explicit?.id === group.id) return explicit;
  try {
    const info = loadModelInfo(group.dir);
    if (info.id === group.id) return info;
    ctx.warn(`search: ${presentEmbeddingCount(db, group.id)} files were embedded with ${group.id}, but ${group.dir} now holds ${info.id}; pass --model DIR of the original (skipped)`);
  } catch (err) {
    ctx.warn(`search: ${presentEmbeddingCount(db, group.id)} files were embedded with ${group.id}, which cannot be loaded (${describeError(err)}); pass --model DIR (skipped)`);
  }
  return null;
}

/** Only regular files are read (as the scan does): a FIFO or a device would block or never end. */
function assertRegularFile(file: string, asGiven: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new UserError(`--like ${asGiven}: no such file`);
  }
  if (!st.isFile()) throw new UserError(`--like ${asGiven}: not a regular file (${fileTypeName(st)}); give an image file`);
}

function fileTypeName(st: fs.Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'a special file';
}

async function readExample(file: string, info: ModelInfo): Promise<Float32Array> {
  try {
    return await imageToTensor(file, info.preprocess);
  } catch (err) {
    throw new UserError(`--like ${file}: not a readable image (${describeError(err)})`);
  }
}

/** Text and example together: the normalised sum, so both count equally. */
function combine(parts: Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0]!;
  const sum = new Float32Array(parts[0]!.length);
  for (const p of parts) for (let i = 0; i < sum.length; i++) sum[i]! += p[i]!;
  return normalize(sum);
}
