/** The thumbnail stage's options: defaults, and the plain object that travels to workers. */
import { choiceOption, pixelCountOption, positiveIntOption } from '../../option-values.js';
import type { OutputFormat } from '../image-io.js';
import { formatChoices } from './formats.js';

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

/** Options from commander (camelCase) merged over the defaults; unknown keys are ignored, bad values name their flag. */
export function thumbnailOptions(raw: Record<string, unknown>): ThumbnailOptions {
  const d = thumbnailDefaults;
  return {
    thumbSize: positiveIntOption('--thumb-size', raw.thumbSize) ?? d.thumbSize,
    thumbFormat: choiceOption('--thumb-format', raw.thumbFormat, formatChoices) ?? d.thumbFormat,
    previewSize: positiveIntOption('--preview-size', raw.previewSize) ?? d.previewSize,
    previewFormat: choiceOption('--preview-format', raw.previewFormat, formatChoices) ?? d.previewFormat,
    pixelLimit: pixelCountOption('--pixel-limit', raw.pixelLimit) ?? d.pixelLimit,
  };
}
