/**
 * Public CLIP models `indexer models pull NAME` knows: Immich's ONNX exports on Hugging Face, in the layout
 * model-dir.ts reads. The download base is https://huggingface.co unless $INDEXER_MODELS_URL says otherwise (tests
 * point it at a local server; a mirror works too). Checksums come from the server: Hugging Face sends the sha256 of
 * large (LFS) files as X-Linked-Etag / ETag.
 */
export interface KnownModel {
  /** Hugging Face repository. */
  repo: string;
  description: string;
  /** Approximate download size, for the list. */
  approxMB: number;
}

export const knownModels: Readonly<Record<string, KnownModel>> = {
  'ViT-B-32': { repo: 'immich-app/ViT-B-32__openai', description: 'OpenAI CLIP ViT-B/32, 512-d (fast, the default)', approxMB: 580 },
  'ViT-B-16': { repo: 'immich-app/ViT-B-16__openai', description: 'OpenAI CLIP ViT-B/16, 512-d (better, ~4x slower)', approxMB: 600 },
  'ViT-L-14': { repo: 'immich-app/ViT-L-14__openai', description: 'OpenAI CLIP ViT-L/14, 768-d (best, slow without a GPU)', approxMB: 1700 },
  'ViT-B-32__laion2b_s34b_b79k': {
    repo: 'immich-app/ViT-B-32__laion2b_s34b_b79k',
    description: 'open_clip ViT-B/32 trained on LAION-2B, 512-d',
    approxMB: 580,
  },
};

const defaultModelsUrl = 'https://huggingface.co';

/** URL of one file of a known model. */
export function fileUrl(model: KnownModel, file: string, env: NodeJS.ProcessEnv): string {
  const base = (env.INDEXER_MODELS_URL || defaultModelsUrl).replace(/\/+$/, '');
  return `${base}/${model.repo}/resolve/main/${file}`;
}
