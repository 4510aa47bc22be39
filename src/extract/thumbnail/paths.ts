import fs from 'node:fs';
import path from 'node:path';

/**
 * Derived files are keyed by the file's identity (not its path), so a moved file keeps them.
 * Sharded two levels deep to keep directories small on large libraries.
 */
function sharded(cacheDir: string, kind: string, identity: string, ext: string): string {
  return path.join(cacheDir, kind, identity.slice(0, 2), identity.slice(2, 4), `${identity}.${ext}`);
}

export function thumbPath(cacheDir: string, identity: string, format = 'webp'): string {
  return sharded(cacheDir, 'thumbs', identity, format);
}

export function previewPath(cacheDir: string, identity: string, format = 'jpeg'): string {
  return sharded(cacheDir, 'previews', identity, format === 'jpeg' ? 'jpg' : format);
}

/**
 * A CLIP model's input pixels, made by the thumbnail stage for the clip stage (see extract/clip/input-file.ts). The
 * key names the model's input geometry, so a model with another input never reads them.
 */
export function modelInputPath(cacheDir: string, identity: string, geometryKey: string): string {
  return sharded(cacheDir, 'clip-inputs', identity, `${geometryKey}.rgb`);
}

/** The small JPEG a later CLIP model embeds from instead of the preview (see extract/clip/source-file.ts). */
export function clipSourcePath(cacheDir: string, identity: string): string {
  return sharded(cacheDir, 'clip-sources', identity, 'jpg');
}

/** Every model input of `identity`, whatever its geometry (for purge, and for a modified file's old identity). */
export function modelInputFiles(cacheDir: string, identity: string): string[] {
  const dir = path.dirname(modelInputPath(cacheDir, identity, 'any'));
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => n.startsWith(`${identity}.`) && n.endsWith('.rgb')).map((n) => path.join(dir, n));
}

/** Every CLIP file of `identity`: its model inputs and its clip source (for purge, and a modified file's old identity). */
export function clipFiles(cacheDir: string, identity: string): string[] {
  return [...modelInputFiles(cacheDir, identity), clipSourcePath(cacheDir, identity)];
}

/** Removes what the thumbnail (or video) stage made for a thumbnail row's identity: thumbnail, preview, CLIP files. */
export function removeRenditions(cacheDir: string, row: { identity: string; thumbPath: string; previewPath: string }): void {
  for (const file of [row.thumbPath, row.previewPath, ...clipFiles(cacheDir, row.identity)]) fs.rmSync(file, { force: true });
}
