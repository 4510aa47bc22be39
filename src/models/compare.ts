/**
 * How close two models' embeddings are (an int8 variant against its float32 original): both embed the same probe
 * images and texts, and the smallest cosine between corresponding embeddings is reported. A variant is only worth
 * offering if that stays at or above 0.99.
 */
import { cosine } from '../vectors.js';
import { ClipModel } from './clip-model.js';
import type { ModelInfo } from './model-dir.js';
import { minAgreement } from './agreement.js';

const probeTexts = [
  'a photo of a cat',
  'a dog on the beach',
  'a city street at night',
  'a red car',
  'two people hiking in the mountains',
  'a bowl of fruit on a wooden table',
  'snow',
  'a birthday cake with candles',
];

/** Deterministic probe images in the model's normalised input range: gradients, stripes, blobs and noise. */
function probeImages(width: number, height: number, count = 8): Float32Array[] {
  const plane = width * height;
  let seed = 7;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  return Array.from({ length: count }, (_, k) => {
    const t = new Float32Array(3 * plane);
    const fx = 1 + (k % 4);
    const fy = 1 + ((k * 3) % 5);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const u = x / width;
        const v = y / height;
        const base = Math.sin(2 * Math.PI * (fx * u + fy * v * (k % 2 ? 1 : 0.3)));
        for (let c = 0; c < 3; c++) t[c * plane + y * width + x] = 1.5 * base * Math.cos(c + k) + 0.3 * rand();
      }
    }
    return t;
  });
}

export interface Agreement {
  minImageCosine: number;
  minTextCosine: number;
  ok: boolean;
}

export async function compareModels(candidate: ModelInfo, reference: ModelInfo, warn: (m: string) => void): Promise<Agreement> {
  if (candidate.embedDim !== reference.embedDim) return { minImageCosine: 0, minTextCosine: 0, ok: false };
  const { width, height } = reference.preprocess;
  const images = probeImages(width, height);
  const a = new ClipModel(candidate, { device: 'cpu', warn });
  const b = new ClipModel(reference, { device: 'cpu', warn });
  try {
    const [ia, ib] = [await a.encodeImages(images), await b.encodeImages(images)];
    let minImageCosine = 1;
    ia.forEach((v, i) => (minImageCosine = Math.min(minImageCosine, cosine(v, ib[i]!))));
    let minTextCosine = 1;
    for (const text of probeTexts) minTextCosine = Math.min(minTextCosine, cosine(await a.encodeText(text), await b.encodeText(text)));
    return { minImageCosine, minTextCosine, ok: minImageCosine >= minAgreement && minTextCosine >= minAgreement };
  } finally {
    await a.release();
    await b.release();
  }
}
