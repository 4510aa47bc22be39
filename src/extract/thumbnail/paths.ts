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
