/** Helpers of the `indexer worker` tests (SQLite and PostgreSQL): a library of real JPEGs, waiting on children. */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

/** Writes `count` distinct JPEGs (`img-N.jpg`, width `width + N`) under root; big ones make thumbnails take a while. */
export async function makeLibrary(root: string, count: number, width = 1200): Promise<string[]> {
  fs.mkdirSync(root, { recursive: true });
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = path.join(root, `img-${i}.jpg`);
    const background = { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 };
    await sharp({ create: { width: width + i, height: Math.round(width * 0.75), channels: 3, background } })
      .jpeg({ quality: 80 })
      .toFile(file);
    out.push(file);
  }
  return out;
}

/** Polls `ready` every 50 ms until it holds (true) or `timeoutMs` passes (false). */
export async function waitUntil(ready: () => boolean, timeoutMs = 30_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (ready()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return ready();
}

/** Every file under dir (recursive). */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}
