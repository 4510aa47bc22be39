/** A video's row in the exif table: the columns a photo fills, from the container's tags. Pure. */
import type { ExifRow } from '../../catalog/metadata.js';
import { videoCamera, videoPlace, videoSoftware, videoTaken, type Tags, type VideoTakenSource } from './metadata.js';
import type { VideoFacts } from './probe.js';

export interface VideoExifRecord extends Omit<ExifRow, 'takenAt' | 'takenAtMs' | 'takenAtSource' | 'tagsJson'> {
  takenAt: string;
  takenAtMs: number;
  takenAtSource: VideoTakenSource;
  /** The container and video stream tags ffprobe reported, as JSON (info's exif.tags). */
  tagsJson: string;
}

export function videoRecord(facts: VideoFacts, tags: Tags, mtimeMs: number): VideoExifRecord {
  return {
    ...videoTaken(tags, mtimeMs),
    ...videoCamera(tags),
    lens: null,
    iso: null,
    exposureTime: null,
    fNumber: null,
    focalLength: null,
    focalLength35: null,
    ...videoPlace(tags),
    // Frames are upright once the display matrix is applied: no EXIF-style orientation to honour.
    orientation: null,
    width: facts.width,
    height: facts.height,
    software: videoSoftware(tags),
    tagsJson: JSON.stringify(tags),
  };
}
