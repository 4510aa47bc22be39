/** The thumbnail stage's options: defaults, and the plain object that travels to workers. */
import type { OutputFormat } from '../image-io.js';

export interface ThumbnailOptions {
  thumbSize: number;
  thumbFormat: OutputFormat;
  previewSize: number;
  previewFormat: OutputFormat;
  /** Largest accepted width*height; bigger images are refused as decompression bombs. */
  pixelLimit: number;
}

export const thumbnailDefaults: ThumbnailOptions = {
  thumbSize: 256,
  thumbFormat: 'webp',
  previewSize: 1440,
  previewFormat: 'jpeg',
  // Roughly PIL's bomb threshold: far above any camera (a 100 MP medium format is 1e8), far below a real bomb.
  pixelLimit: 178_956_970,
};

/** Options from commander (camelCase) merged over the defaults; unknown keys are ignored. */
export function thumbnailOptions(raw: Record<string, unknown>): ThumbnailOptions {
  const pick = <K extends keyof ThumbnailOptions>(key: K): ThumbnailOptions[K] =>
    (raw[key] ?? thumbnailDefaults[key]) as ThumbnailOptions[K];
  return {
    thumbSize: pick('thumbSize'),
    thumbFormat: pick('thumbFormat'),
    previewSize: pick('previewSize'),
    previewFormat: pick('previewFormat'),
    pixelLimit: pick('pixelLimit'),
  };
}
