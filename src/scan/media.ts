import path from 'node:path';
import type { FileKind } from '../types.js';

/** Media extensions (lower-case, no dot) and what they are. Videos are recorded now; later stages may skip them. */
const KINDS: ReadonlyMap<string, FileKind> = new Map<string, FileKind>([
  ...(['jpg', 'jpeg', 'png', 'webp', 'avif', 'gif', 'tif', 'tiff', 'heic', 'heif'] as const).map(
    (e) => [e, 'image'] as [string, FileKind],
  ),
  ...(['dng', 'cr2', 'cr3', 'nef', 'arw', 'orf', 'rw2', 'raf'] as const).map((e) => [e, 'raw'] as [string, FileKind]),
  ...(['mp4', 'mov', 'm4v', 'avi', 'mkv', 'webm', '3gp'] as const).map((e) => [e, 'video'] as [string, FileKind]),
]);

/** Lower-case extension without the dot ('' when none). */
export function extensionOf(file: string): string {
  const ext = path.extname(file);
  return ext ? ext.slice(1).toLowerCase() : '';
}

/** The kind of a media file by its extension, case-insensitively; null for anything else. */
export function mediaKind(file: string): FileKind | null {
  return KINDS.get(extensionOf(file)) ?? null;
}

export function isSidecar(file: string): boolean {
  return extensionOf(file) === 'xmp';
}

/**
 * mediaKind and isSidecar in one step for a bare name (no '/'), without path.extname: the walk asks this of every
 * file it meets. A leading dot starts no extension, as with path.extname ('.jpg' is a hidden file, not a JPEG).
 */
export function classifyName(name: string): 'media' | 'sidecar' | null {
  const dot = name.lastIndexOf('.');
  const length = name.length - dot - 1;
  if (dot <= 0 || length < EXT_LENGTHS.min || length > EXT_LENGTHS.max) return null;
  const ext = name.slice(dot + 1);
  return classifyExtension(ext) ?? classifyExtension(ext.toLowerCase()); // as spelled first: usually lower case
}

function classifyExtension(ext: string): 'media' | 'sidecar' | null {
  if (KINDS.has(ext)) return 'media';
  return ext === 'xmp' ? 'sidecar' : null;
}

/** Shortest and longest media or sidecar extension: most other names are ruled out by length alone. */
const EXT_LENGTHS = (() => {
  const lengths = [...KINDS.keys(), 'xmp'].map((e) => e.length);
  return { min: Math.min(...lengths), max: Math.max(...lengths) };
})();

/**
 * Picks the sidecar of each media file among the `.xmp` names of the same folder:
 * `IMG.jpg.xmp` is preferred, else `IMG.xmp` (which a RAW+JPEG pair then shares). Names compare case-insensitively.
 * Returns media name -> sidecar name (names, not paths).
 */
export function matchSidecars(mediaNames: readonly string[], sidecarNames: readonly string[]): Map<string, string> {
  const result = new Map<string, string>();
  if (sidecarNames.length === 0) return result;
  const byStem = new Map<string, string>();
  for (const s of sidecarNames) {
    const key = s.slice(0, -'.xmp'.length).toLowerCase();
    // Two sidecars differing only in case: keep the first in name order so the choice is stable between scans.
    const prev = byStem.get(key);
    if (prev === undefined || s < prev) byStem.set(key, s);
  }
  for (const m of mediaNames) {
    const lower = m.toLowerCase();
    const full = byStem.get(lower);
    const stem = byStem.get(lower.slice(0, lower.length - path.extname(lower).length));
    const chosen = full ?? stem;
    if (chosen !== undefined) result.set(m, chosen);
  }
  return result;
}
