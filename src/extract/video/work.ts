/**
 * Worker half of the video stage: one ffprobe run for the facts and the capture metadata, one ffmpeg run per frame
 * for the poster (more only when a frame is black), made into the same thumbnail, preview and thumbhash a photo
 * gets, and, with a CLIP model configured, a few more frames as model inputs for the clip stage. Never throws, never
 * touches the catalog.
 */
import { rgbaToThumbHash } from 'thumbhash';
import type { StageOutcome, TaskInput } from '../stage.js';
import { badFile, ioFailure, unexpectedFailure } from '../image-outcome.js';
import { modelInputFromPixels, renderPixels } from '../image-io.js';
import { thumbnailOptions } from '../thumbnail/options.js';
import { modelInputPath, previewPath, thumbPath } from '../thumbnail/paths.js';
import { clipSourceRequest, keepClipSource } from '../clip/source-file.js';
import { writeAtomic } from '../thumbnail/write.js';
import type { ThumbnailValue } from '../thumbnail/work.js';
import { encodeModelInput, geometryFrom, geometryKey, type ModelInputGeometry } from '../clip/input-file.js';
import { modelWindow } from '../../models/preprocess.js';
import { probeVideo, type VideoFacts } from './probe.js';
import { clipFrameTimes, fitInside, grabFrame, pickPoster } from './poster.js';
import { videoRecord, type VideoExifRecord } from './record.js';
import { frameKey, readVideoOptions } from './options.js';
import { perceptualHash } from '../thumbnail/phash.js';

/** What the worker hands the main thread for one video. */
export interface VideoValue {
  facts: VideoFacts;
  exif: VideoExifRecord;
  thumbnail: ThumbnailValue;
  /** Seconds into the clip where the poster was taken. */
  posterSec: number;
}

export async function run(input: TaskInput): Promise<StageOutcome<VideoValue>> {
  try {
    const opts = readVideoOptions(input.options);
    const thumbs = thumbnailOptions(input.options);
    const start = Date.now();
    // The time limit covers the whole task: each child gets what is left of it.
    const budget = () => ({ timeoutMs: opts.timeoutMs > 0 ? Math.max(1, opts.timeoutMs - (Date.now() - start)) : 0 });
    const killed = (reason: string) => ({ status: 'failed' as const, reason: `${input.path}: ${reason} (--task-timeout)`, retryable: false });

    if (input.size === 0) return badFile(input.path, 'empty file (0 bytes): not a video');
    const probed = await probeVideo(opts.ffprobe, input.path, budget());
    if (!probed.ok) return probed.timedOut ? killed(probed.reason) : badFile(input.path, probed.reason);
    const { facts, tags } = probed.probe;
    if (facts.width * facts.height > thumbs.pixelLimit) {
      return badFile(input.path, `refused: ${facts.width}x${facts.height} frames exceed the pixel limit ${thumbs.pixelLimit} (--pixel-limit)`);
    }
    const size = fitInside(facts.width, facts.height, thumbs.previewSize);
    const poster = await pickPoster(opts.ffmpeg, input.path, facts.durationSec, size, budget);
    if (!poster.ok) return poster.timedOut ? killed(poster.reason) : badFile(input.path, poster.reason);

    const geometry = geometryFrom(input.options.modelInput);
    const cut = geometry ? (w: number, h: number) => modelWindow(w, h, geometry) : undefined;
    const rendered = await renderPixels(poster.frame, { ...thumbs, orient: 'none', ...clipSourceRequest(input.options), ...(cut && { modelInput: cut }) });
    const thumb = thumbPath(input.cacheDir, input.identity, thumbs.thumbFormat);
    const preview = previewPath(input.cacheDir, input.identity, thumbs.previewFormat);
    try {
      await Promise.all([
        writeAtomic(thumb, rendered.thumb),
        writeAtomic(preview, rendered.preview),
        geometry && rendered.modelInput && writeAtomic(modelInputPath(input.cacheDir, input.identity, geometryKey(geometry)), encodeModelInput(rendered.modelInput)),
        // A re-embed (another model) has only the poster: its clip source, as a photo's.
        keepClipSource(input.cacheDir, input.identity, rendered.clipSource),
      ]);
      if (geometry) await writeClipFrames(input, opts, geometry, facts, budget);
    } catch (err) {
      return ioFailure(input.path, `cannot write to the cache ${input.cacheDir}`, err);
    }
    const { width, height, data } = rendered.hashPixels;
    const thumbhash = Buffer.from(rgbaToThumbHash(width, height, data)).toString('base64');
    // The poster's perceptual hash, as a photo's thumbnail has one (indexer duplicates).
    const phash = perceptualHash(rendered.hashPixels);
    return {
      status: 'done',
      value: {
        facts,
        exif: videoRecord(facts, tags, input.mtimeMs),
        thumbnail: { thumbPath: thumb, previewPath: preview, width: facts.width, height: facts.height, thumbhash, phash },
        posterSec: poster.frame.atSec,
      },
    };
  } catch (err) {
    return unexpectedFailure(input.path, 'video', err);
  }
}

/**
 * The extra CLIP frames, spread over the clip, each written as a model input beside the poster's (clip/video-frames.ts
 * reads them). Small frames: the model sees 224 px or so, so they are decoded straight to twice the model's size. A
 * frame that does not decode is left out; the poster alone still embeds the video.
 */
async function writeClipFrames(
  input: TaskInput,
  opts: ReturnType<typeof readVideoOptions>,
  geometry: ModelInputGeometry,
  facts: VideoFacts,
  budget: () => { timeoutMs: number },
): Promise<void> {
  const size = fitInside(facts.width, facts.height, 2 * Math.max(geometry.width, geometry.height));
  const times = clipFrameTimes(facts.durationSec, opts.clipFrames);
  for (let i = 0; i < times.length; i++) {
    const r = await grabFrame(opts.ffmpeg, input.path, times[i]!, size, budget());
    if (!r.ok && r.timedOut) return;
    if (!r.ok || !r.frame) continue;
    let pixels;
    try {
      pixels = await modelInputFromPixels(r.frame, (w, h) => modelWindow(w, h, geometry));
    } catch {
      continue; // optional, as a photo's model input is: the clip stage embeds what there is
    }
    await writeAtomic(modelInputPath(input.cacheDir, input.identity, frameKey(geometry, i + 1)), encodeModelInput(pixels));
  }
}
