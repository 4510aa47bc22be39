/**
 * Public CLIP models `indexer models pull NAME` knows: Immich's ONNX exports on Hugging Face, in the layout
 * model-dir.ts reads. The download base is https://huggingface.co unless $INDEXER_MODELS_URL says otherwise (tests
 * point it at a local server; a mirror works too).
 *
 * Trust: a checksum the server sends (Hugging Face's X-Linked-Etag / ETag) only proves the transfer; a mirror or a
 * tampered server sends the checksum of what it serves. Only a sha256 pinned here (or in the $INDEXER_MODEL_PINS file
 * the user keeps) proves a file is the one published; a file without one installs as UNVERIFIED, said loudly.
 */
import fs from 'node:fs';
import { UserError } from '../errors.js';
import type { modelFiles } from './model-dir.js';

export type ModelFile = (typeof modelFiles)[number];

export interface KnownModel {
  /** Hugging Face repository. */
  repo: string;
  description: string;
  /** Approximate download size, for the list. */
  approxMB: number;
  /**
   * The published sha256 of each file (Hugging Face lists it for its LFS files). Empty until filled in from the
   * publisher: see README "Model checksums".
   */
  sha256: Partial<Record<ModelFile, string>>;
}

export const knownModels: Readonly<Record<string, KnownModel>> = {
  'ViT-B-32': { repo: 'immich-app/ViT-B-32__openai', description: 'OpenAI CLIP ViT-B/32, 512-d (fast, the default)', approxMB: 580, sha256: {} },
  'ViT-B-16': { repo: 'immich-app/ViT-B-16__openai', description: 'OpenAI CLIP ViT-B/16, 512-d (better, ~4x slower)', approxMB: 600, sha256: {} },
  'ViT-L-14': { repo: 'immich-app/ViT-L-14__openai', description: 'OpenAI CLIP ViT-L/14, 768-d (best, slow without a GPU)', approxMB: 1700, sha256: {} },
  'ViT-B-32__laion2b_s34b_b79k': {
    repo: 'immich-app/ViT-B-32__laion2b_s34b_b79k',
    description: 'open_clip ViT-B/32 trained on LAION-2B, 512-d',
    approxMB: 580,
    sha256: {},
  },
};

/** sha256 must be 64 lowercase hex digits. */
const SHA256 = /^[0-9a-f]{64}$/;

/**
 * The pinned sha256 of each file of a model: the ones in the code, plus those of $INDEXER_MODEL_PINS (a JSON file the
 * user keeps: {"NAME": {"visual/model.onnx": "<sha256>", ...}}) for files the code does not pin. The code's pins win:
 * a pins file can add trust, never replace a published checksum.
 */
export function pinnedChecksums(name: string, env: NodeJS.ProcessEnv): Partial<Record<ModelFile, string>> {
  const pins: Record<string, string> = {};
  const file = env.INDEXER_MODEL_PINS;
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new UserError(`INDEXER_MODEL_PINS ${file}: not a readable JSON file (${(err as NodeJS.ErrnoException).code ?? 'invalid JSON'})`);
    }
    const forModel = (parsed as Record<string, unknown> | null)?.[name];
    if (forModel && typeof forModel === 'object') {
      for (const [f, sha] of Object.entries(forModel as Record<string, unknown>)) {
        if (typeof sha !== 'string' || !SHA256.test(sha.toLowerCase())) throw new UserError(`INDEXER_MODEL_PINS ${file}: ${name} ${f}: not a sha256`);
        pins[f] = sha.toLowerCase();
      }
    }
  }
  return { ...pins, ...(knownModels[name]?.sha256 ?? {}) };
}

const defaultModelsUrl = 'https://huggingface.co';

/** URL of one file of a known model. */
export function fileUrl(model: KnownModel, file: string, env: NodeJS.ProcessEnv): string {
  const base = (env.INDEXER_MODELS_URL || defaultModelsUrl).replace(/\/+$/, '');
  return `${base}/${model.repo}/resolve/main/${file}`;
}
