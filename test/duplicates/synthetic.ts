/** Photo-like generated pictures for the duplicate tests (no corpus needed). */
import sharp from 'sharp';

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A photo-like picture, different for every seed: random colour waves whose amplitude falls as 1/frequency, the
 * spectrum of natural images (a few smooth waves alone make the hash far more sensitive to a crop than photos are).
 */
export async function syntheticPhoto(file: string, seed: number, width: number, height: number): Promise<void> {
  const rnd = random(seed);
  const waves = Array.from({ length: 40 }, () => {
    const frequency = 0.5 + rnd() * 15;
    const angle = rnd() * 2 * Math.PI;
    const colour = [rnd(), rnd(), rnd()].map((c) => c * 2 - 1);
    return { fx: frequency * Math.cos(angle), fy: frequency * Math.sin(angle), amp: 40 / frequency, phase: rnd() * 2 * Math.PI, colour };
  });
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sums = [128, 128, 128];
      for (const w of waves) {
        const v = Math.cos(((w.fx * x) / width + (w.fy * y) / height) * 2 * Math.PI + w.phase) * w.amp;
        for (let c = 0; c < 3; c++) sums[c]! += v * w.colour[c]!;
      }
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(sums[c]!)));
    }
  }
    // Camera metadata, as an original has (the variants, re-encoded, carry none).
  const exif = { IFD0: { Make: 'Fixture', Model: `Cam ${seed}` }, IFD2: { DateTimeOriginal: '2024:06:01 12:00:00' } };
  await sharp(data, { raw: { width, height, channels: 3 } }).jpeg({ quality: 92 }).withExif(exif).toFile(file);
}

