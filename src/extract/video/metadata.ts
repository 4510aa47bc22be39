/**
 * Capture time, place and camera of a video, from the container tags ffprobe reports. Pure functions: the mtime
 * fallback is passed in.
 *
 * Time, in order: Apple's `com.apple.quicktime.creationdate` (camera wall time *with* its UTC offset: the exact
 * instant and the local time both), then the container's `creation_time` (the QuickTime/MP4 header time, UTC by the
 * spec: right instant, local time unknown), then the file's mtime. Phones that write local time into the header
 * exist; we follow the spec rather than guess (the 'quicktime-utc' source says which was used).
 */
import { parseExifDate } from '../exif/normalize.js';

export type VideoTakenSource = 'quicktime' | 'quicktime-utc' | 'mtime';

export interface VideoTaken {
  takenAt: string;
  takenAtMs: number;
  takenAtSource: VideoTakenSource;
}

export interface VideoPlace {
  gpsLat: number | null;
  gpsLon: number | null;
  gpsAlt: number | null;
}

export type Tags = Record<string, string>;

/** Tag lookup ignoring case and the `-eng` style language suffixes ffprobe adds to MP4 user-data strings. */
export function tag(tags: Tags, ...names: string[]): string | null {
  for (const name of names) {
    const want = name.toLowerCase();
    for (const [k, v] of Object.entries(tags)) {
      const key = k.toLowerCase();
      if ((key === want || key.replace(/-[a-z]{3}$/, '') === want) && typeof v === 'string' && v.trim()) return v.trim();
    }
  }
  return null;
}

export function videoTaken(tags: Tags, mtimeMs: number): VideoTaken {
  const apple = parseExifDate(tag(tags, 'com.apple.quicktime.creationdate'), undefined, undefined);
  if (apple && apple.takenAtSource === 'exif') return { takenAt: apple.takenAt, takenAtMs: apple.takenAtMs, takenAtSource: 'quicktime' };
  const header = tag(tags, 'creation_time');
  const utc = header ? parseExifDate(header, undefined, 'Z') : null;
  // Muxers with no clock write 1904-01-01 or 1970-01-01 (the epochs): not a capture time.
  if (utc && utc.takenAtMs > Date.UTC(1971, 0, 1)) {
    return { takenAt: new Date(utc.takenAtMs).toISOString(), takenAtMs: utc.takenAtMs, takenAtSource: 'quicktime-utc' };
  }
  return { takenAt: new Date(mtimeMs).toISOString(), takenAtMs: mtimeMs, takenAtSource: 'mtime' };
}

/** GPS from the ISO 6709 strings phones write (Apple Keys, `©xyz` / `location` user data). */
export function videoPlace(tags: Tags): VideoPlace {
  const text = tag(tags, 'com.apple.quicktime.location.ISO6709', 'location', 'com.android.location', '©xyz');
  return (text ? parseIso6709(text) : null) ?? { gpsLat: null, gpsLon: null, gpsAlt: null };
}

/**
 * ISO 6709 as phones write it: decimal degrees with explicit signs, optional altitude, optional CRS suffix, e.g.
 * `+48.8584+002.2945+035.000/` or `-33.8688+151.2093/`. The degree-minute forms (±DDMM.M, ±DDMMSS.S) are read too.
 */
export function parseIso6709(text: string): VideoPlace | null {
  const m = /^\s*([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)?/.exec(text);
  if (!m) return null;
  const lat = sexagesimal(m[1]!, 2);
  const lon = sexagesimal(m[2]!, 3);
  if (lat === null || lon === null || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  if (lat === 0 && lon === 0) return null; // "no fix" written as zeros
  const alt = m[3] !== undefined ? Number(m[3]) : null;
  return { gpsLat: lat, gpsLon: lon, gpsAlt: alt !== null && Number.isFinite(alt) ? alt : null };
}

/** ±DD.D, ±DDMM.M or ±DDMMSS.S (degree digits: 2 for latitude, 3 for longitude) to signed decimal degrees. */
function sexagesimal(part: string, degreeDigits: number): number | null {
  const sign = part.startsWith('-') ? -1 : 1;
  const body = part.slice(1);
  const intDigits = body.split('.')[0]!.length;
  let value: number;
  if (intDigits <= degreeDigits) value = Number(body);
  else if (intDigits === degreeDigits + 2) value = Number(body.slice(0, degreeDigits)) + Number(body.slice(degreeDigits)) / 60;
  else if (intDigits === degreeDigits + 4) {
    value = Number(body.slice(0, degreeDigits)) + Number(body.slice(degreeDigits, degreeDigits + 2)) / 60 + Number(body.slice(degreeDigits + 2)) / 3600;
  } else return null;
  return Number.isFinite(value) ? sign * value : null;
}

/** Make and model: Apple Keys, Android Keys, then the MP4/QuickTime user-data strings. */
export function videoCamera(tags: Tags): { make: string | null; model: string | null } {
  return {
    make: tag(tags, 'com.apple.quicktime.make', 'com.android.manufacturer', 'make', '©mak'),
    model: tag(tags, 'com.apple.quicktime.model', 'com.android.model', 'model', '©mod'),
  };
}

/** Software that wrote the clip (iOS version, Android version), when stated. */
export function videoSoftware(tags: Tags): string | null {
  const android = tag(tags, 'com.android.version');
  return tag(tags, 'com.apple.quicktime.software', 'software', '©swr') ?? (android ? `Android ${android}` : null);
}
