/**
 * open_clip's image preprocessing, as plain arithmetic (the resampling itself is done by sharp in image.ts):
 * - 'shortest': resize so the short side is the input size (long side truncated as torchvision does), center crop;
 * - 'squash': resize to the input size, ignoring the aspect ratio;
 * - 'longest': resize so the long side fits, pad the rest with fill_color;
 * then scale to 0..1, subtract the mean and divide by the standard deviation, channel by channel, into CHW order.
 */
import type { PreprocessConfig } from './model-dir.js';

/** Size to resample the image to, and where the model's window sits in it (negative offsets pad). */
export interface ResizePlan {
  resizeWidth: number;
  resizeHeight: number;
  /** Column of the resized image at the window's left edge. */
  left: number;
  /** Row of the resized image at the window's top edge. */
  top: number;
}

/** Python's round(): halves go to the even neighbour (torchvision's CenterCrop uses it). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

export function planResize(width: number, height: number, cfg: Pick<PreprocessConfig, 'width' | 'height' | 'resizeMode'>): ResizePlan {
  if (cfg.resizeMode === 'squash') return { resizeWidth: cfg.width, resizeHeight: cfg.height, left: 0, top: 0 };
  let rw: number;
  let rh: number;
  if (cfg.resizeMode === 'shortest') {
    // torchvision Resize(int): the short side becomes `size`, the long one int(size * long / short).
    const size = Math.min(cfg.width, cfg.height);
    if (width <= height) {
      rw = size;
      rh = Math.max(1, Math.trunc((size * height) / width));
    } else {
      rh = size;
      rw = Math.max(1, Math.trunc((size * width) / height));
    }
  } else {
    const scale = Math.min(cfg.width / width, cfg.height / height);
    rw = Math.max(1, Math.round(width * scale));
    rh = Math.max(1, Math.round(height * scale));
  }
  return {
    resizeWidth: rw,
    resizeHeight: rh,
    left: roundHalfEven((rw - cfg.width) / 2),
    top: roundHalfEven((rh - cfg.height) / 2),
  };
}

/**
 * The part of the resized image the model sees, for callers that resample once and keep only that (the thumbnail
 * stage's model input): per axis, the window when the resized image covers it, else the whole resized side (the
 * padding is added later by toTensor). What is kept is enough to rebuild the plan: see planForWindow.
 */
export function modelWindow(
  width: number,
  height: number,
  cfg: Pick<PreprocessConfig, 'width' | 'height' | 'resizeMode'>,
): ResizePlan & { width: number; height: number } {
  const plan = planResize(width, height, cfg);
  const keep = (resized: number, offset: number, size: number) =>
    resized >= size ? { start: offset, length: size } : { start: 0, length: resized };
  const x = keep(plan.resizeWidth, plan.left, cfg.width);
  const y = keep(plan.resizeHeight, plan.top, cfg.height);
  return { resizeWidth: plan.resizeWidth, resizeHeight: plan.resizeHeight, left: x.start, top: y.start, width: x.length, height: y.length };
}

/**
 * The plan for pixels modelWindow kept (width x height): a side as long as the model's input is the window itself;
 * a shorter one is the whole resized side, centred as planResize centres it.
 */
export function planForWindow(width: number, height: number, cfg: Pick<PreprocessConfig, 'width' | 'height'>): ResizePlan {
  return {
    resizeWidth: width,
    resizeHeight: height,
    left: width >= cfg.width ? 0 : roundHalfEven((width - cfg.width) / 2),
    top: height >= cfg.height ? 0 : roundHalfEven((height - cfg.height) / 2),
  };
}

/**
 * An image as the clip stage hands it from its workers to inference: the resized pixels (interleaved RGB,
 * plan.resizeWidth x plan.resizeHeight) and the plan toTensor reads them with. A quarter of the tensor's bytes, and
 * turned into floats only where the batch is put together, straight into the batch's buffer.
 */
export interface ModelPixels {
  rgb: Uint8Array;
  plan: ResizePlan;
}

/** Whether `value` (from another thread) is pixels toTensor can read: every row of the plan's size is there. */
export function isModelPixels(value: unknown): value is ModelPixels {
  if (!value || typeof value !== 'object') return false;
  const { rgb, plan } = value as Partial<ModelPixels>;
  if (!(rgb instanceof Uint8Array) || !plan || typeof plan !== 'object') return false;
  const { resizeWidth, resizeHeight, left, top } = plan;
  const whole = (n: unknown) => Number.isInteger(n) && (n as number) > 0;
  return whole(resizeWidth) && whole(resizeHeight) && Number.isInteger(left) && Number.isInteger(top) && rgb.length === resizeWidth * resizeHeight * 3;
}

/**
 * Interleaved RGB bytes of the resized image -> normalised CHW float32 of the model's input size, written into `out`
 * from element `at` (a batch's buffer; by default a new tensor of its own). Pixels outside the resized image
 * (padding) take fill_color.
 */
export function toTensor(rgb: Uint8Array, plan: ResizePlan, cfg: PreprocessConfig, out?: Float32Array, at = 0): Float32Array {
  const { width: W, height: H } = cfg;
  const plane = H * W;
  const target = out ?? new Float32Array(3 * plane);
  const r = target.subarray(at, at + plane);
  const g = target.subarray(at + plane, at + 2 * plane);
  const b = target.subarray(at + 2 * plane, at + 3 * plane);
  if (b.length !== plane) throw new Error(`model input does not fit its batch at element ${at}`);
  const { table, fill } = normalisation(cfg);
  // The columns of the model's input that fall inside the resized image; the rest of a row is padding.
  const x0 = Math.min(W, Math.max(0, -plan.left));
  const x1 = Math.max(x0, Math.min(W, plan.resizeWidth - plan.left));
  const channels = [r, g, b] as const;
  for (let y = 0; y < H; y++) {
    const row = y * W;
    const sy = y + plan.top;
    const inside = sy >= 0 && sy < plan.resizeHeight;
    const from = inside ? x0 : W;
    for (let c = 0; c < 3; c++) {
      channels[c]!.fill(fill[c]!, row, row + from);
      if (inside) channels[c]!.fill(fill[c]!, row + x1, row + W);
    }
    if (!inside) continue;
    let i = (sy * plan.resizeWidth + x0 + plan.left) * 3;
    for (let o = row + x0, end = row + x1; o < end; o++, i += 3) {
      r[o] = table[rgb[i]!]!;
      g[o] = table[256 + rgb[i + 1]!]!;
      b[o] = table[512 + rgb[i + 2]!]!;
    }
  }
  return target;
}

/**
 * Every byte value's normalised float per channel (channel c at c * 256), and the padding's: a lookup per value
 * instead of a multiply-add (the clip stage's main thread does this for every pixel of every image). Same float32
 * values as (v / 255 - mean) / std computed as v * (1 / (255 * std)) - mean / std.
 */
function normalisation(cfg: PreprocessConfig): { table: Float32Array; fill: number[] } {
  const scale = cfg.std.map((s) => 1 / (255 * s));
  const offset = cfg.mean.map((m, c) => m / cfg.std[c]!);
  const table = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) for (let v = 0; v < 256; v++) table[c * 256 + v] = v * scale[c]! - offset[c]!;
  return { table, fill: cfg.mean.map((_, c) => cfg.fillColor * scale[c]! - offset[c]!) };
}
