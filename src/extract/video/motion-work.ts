/**
 * Worker half of the motion stage: is this still a motion photo, where is its clip, and what is the clip (one ffprobe
 * run over the clip's bytes in place). A still without a clip is done with nothing to store. Never throws.
 */
import fs from 'node:fs';
import type { StageOutcome, TaskInput } from '../stage.js';
import { ioFailure } from '../image-outcome.js';
import { fromSamsungTrailer, fromXmp, startsWithFtyp, xmpBytes, type MotionClip } from './motion-photo.js';
import { probeVideo, type VideoFacts } from './probe.js';
import { readVideoOptions } from './options.js';

/** Null: not a motion photo. facts null: a clip was found but ffprobe could not describe it (or is not installed). */
export type MotionValue = { clip: MotionClip; facts: VideoFacts | null } | null;

export async function run(input: TaskInput): Promise<StageOutcome<MotionValue>> {
  let fd: number;
  try {
    fd = fs.openSync(input.path, 'r');
  } catch (err) {
    return ioFailure(input.path, 'cannot read', err);
  }
  let clip: MotionClip | null;
  try {
    const size = fs.fstatSync(fd).size;
    const read = (offset: number, length: number) => {
      const buf = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
      return buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, offset));
    };
    clip = fromXmp(xmpBytes(read, size), size) ?? fromSamsungTrailer(read, size);
    if (clip && !startsWithFtyp(read(clip.offset, 8))) clip = null;
  } catch (err) {
    return ioFailure(input.path, 'cannot read', err);
  } finally {
    fs.closeSync(fd);
  }
  if (!clip) return { status: 'done', value: null };
  try {
    const opts = readVideoOptions(input.options);
    const probed = await probeVideo(opts.ffprobe, input.path, { timeoutMs: opts.timeoutMs }, ['-f', 'mov', '-skip_initial_bytes', String(clip.offset)]);
    return { status: 'done', value: { clip, facts: probed.ok ? probed.probe.facts : null } };
  } catch {
    // ffprobe cannot start (not installed): the still is a motion photo all the same; the clip's facts stay unknown.
    return { status: 'done', value: { clip, facts: null } };
  }
}
