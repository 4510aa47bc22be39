/**
 * Builds a duplicate-detection test set: for each source photo, byte-identical copies in other folders and derived
 * variants (half size, JPEG quality 55, PNG, WebP, a 4% crop, +8% brightness, pixels rotated with an EXIF
 * orientation that turns them back), and the truth: which files come from which source. Used by
 * `BENCH_ONLY=duplicates npm run bench` (real camera JPEGs from ../shared/corpus) and by the duplicates test
 * (generated images), so both measure the same kinds of variant.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

/** One file of the set and the source it was made from. */
export interface VariantFile {
  path: string;
  /** Index of the source photo: files with the same source are duplicates of each other, all others are not. */
  source: number;
  /** How it was made (original, copy, half, q55, png, webp, crop4, bright8, rotated). */
  variant: string;
}

/** Variants made from one source; each is written under `dir/variant/` so names never collide. */
const VARIANTS: { name: string; ext: string; make: (img: sharp.Sharp, w: number, h: number) => sharp.Sharp }[] = [
  { name: 'half', ext: 'jpg', make: (img, w) => img.resize({ width: Math.round(w / 2) }).jpeg({ quality: 90 }) },
  { name: 'q55', ext: 'jpg', make: (img) => img.jpeg({ quality: 55 }) },
  { name: 'png', ext: 'png', make: (img) => img.png({ compressionLevel: 1 }) },
  { name: 'webp', ext: 'webp', make: (img) => img.webp({ quality: 80 }) },
  {
    name: 'crop4',
    ext: 'jpg',
    // 4% of each dimension removed, 2% from each edge.
    make: (img, w, h) =>
      img.extract({ left: Math.round(w * 0.02), top: Math.round(h * 0.02), width: Math.round(w * 0.96), height: Math.round(h * 0.96) }).jpeg({ quality: 90 }),
  },
  { name: 'bright8', ext: 'jpg', make: (img) => img.modulate({ brightness: 1.08 }).jpeg({ quality: 90 }) },
  // Pixels stored a quarter turn clockwise, tagged with orientation 8 (turn a quarter counter-clockwise to view).
  { name: 'rotated', ext: 'jpg', make: (img) => img.rotate(90).jpeg({ quality: 90 }).withMetadata({ orientation: 8 }) },
];

export const variantNames = ['original', 'copy', ...VARIANTS.map((v) => v.name)];

/**
 * Writes the set for `sources` (image files) under `dir`: `dir/original/`, two byte copies under `dir/copy-a/` and
 * `dir/copy-b/`, and one file per variant under `dir/VARIANT/`. Sources are decoded upright (EXIF orientation
 * applied) before variants are made; the original and copies keep their bytes. `maxSide` shrinks large sources
 * first (the derived variants only) to keep the set quick to build.
 */
export async function writeVariantSet(sources: string[], dir: string, opts: { maxSide?: number } = {}): Promise<VariantFile[]> {
  const files: VariantFile[] = [];
  for (const sub of ['original', 'copy-a', 'copy-b', ...VARIANTS.map((v) => v.name)]) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  for (const [source, file] of sources.entries()) {
    const base = `s${String(source).padStart(3, '0')}`;
    const ext = path.extname(file).toLowerCase() || '.jpg';
    const original = path.join(dir, 'original', base + ext);
    fs.copyFileSync(file, original);
    files.push({ path: original, source, variant: 'original' });
    for (const copy of ['copy-a', 'copy-b']) {
      const target = path.join(dir, copy, base + ext);
      fs.copyFileSync(file, target);
      files.push({ path: target, source, variant: 'copy' });
    }
    let upright = await sharp(file).rotate().toBuffer({ resolveWithObject: true });
    if (opts.maxSide && Math.max(upright.info.width, upright.info.height) > opts.maxSide) {
      upright = await sharp(upright.data)
        .resize({ width: opts.maxSide, height: opts.maxSide, fit: 'inside' })
        .jpeg({ quality: 95 })
        .toBuffer({ resolveWithObject: true });
    }
    const { width, height } = upright.info;
    for (const v of VARIANTS) {
      const target = path.join(dir, v.name, `${base}.${v.ext}`);
      await v.make(sharp(upright.data), width, height).toFile(target);
      files.push({ path: target, source, variant: v.name });
    }
  }
  return files;
}

/** Every unordered pair of files from the same source, as "pathA\0pathB" with pathA < pathB. */
export function truthPairs(files: VariantFile[]): Set<string> {
  const bySource = new Map<number, string[]>();
  for (const f of files) bySource.set(f.source, [...(bySource.get(f.source) ?? []), f.path]);
  const pairs = new Set<string>();
  for (const group of bySource.values()) for (const key of groupPairs(group)) pairs.add(key);
  return pairs;
}

/** Every unordered pair within one group, keyed as in truthPairs. */
export function groupPairs(group: string[]): string[] {
  const sorted = [...group].sort();
  const out: string[] = [];
  for (let i = 0; i < sorted.length; i++) for (let j = i + 1; j < sorted.length; j++) out.push(`${sorted[i]}\0${sorted[j]}`);
  return out;
}

/** Pair precision and recall of predicted groups against the truth; a tool that finds nothing has precision 1. */
export function pairScores(groups: string[][], truth: Set<string>): { precision: number; recall: number; predicted: number; correct: number } {
  const predicted = new Set(groups.flatMap(groupPairs));
  let correct = 0;
  for (const p of predicted) if (truth.has(p)) correct++;
  return { precision: predicted.size ? correct / predicted.size : 1, recall: truth.size ? correct / truth.size : 1, predicted: predicted.size, correct };
}
