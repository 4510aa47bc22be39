/** A small tmpfs standing in for a nearly full disk (needs root to mount; tests skip elsewhere). */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

export function mountTmpfs(dir: string, size: string): boolean {
  fs.mkdirSync(dir, { recursive: true });
  return process.getuid?.() === 0 && spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status === 0;
}

/** Gives a mounted tmpfs more room (the "user freed some space" step). */
export function growTmpfs(dir: string, size: string): void {
  const r = spawnSync('mount', ['-o', `remount,size=${size}`, dir]);
  if (r.status !== 0) throw new Error(`remount ${dir}: ${r.stderr}`);
}

export function unmount(dir: string): void {
  spawnSync('umount', [dir]);
}

export function freeBytes(dir: string): number {
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
}

export const canMount = (() => {
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-mount-probe-'));
  const ok = mountTmpfs(probe, '64k');
  if (ok) unmount(probe);
  fs.rmSync(probe, { recursive: true, force: true });
  return ok;
})();

/** Small distinct JPEGs with long names and EXIF text: each costs the catalog rows and bytes, so a small disk fills. */
export async function writeCatalogHeavyPhotos(root: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const colour = { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 };
    await sharp({ create: { width: 64, height: 48, channels: 3, background: colour } })
      .jpeg()
      .withExifMerge({ IFD0: { ImageDescription: `photo ${i} `.repeat(40), Make: 'Test', Model: `Model ${i}` } })
      .toFile(path.join(root, `photo-with-a-long-name-${String(i).padStart(4, '0')}.jpg`));
  }
}
