/** The clip stage's options, resolved once from the command's (cli/phase2-flags.ts declares the flags). */
import { devices, type Device } from '../../models/devices.js';
import { UserError } from '../../errors.js';
import { choiceOption, positiveIntOption } from '../../option-values.js';

/** Default images per inference batch: large enough to keep ORT busy, small enough for a few MB of input. */
export const defaultBatchSize = 16;

export interface ClipOptions {
  /** --model: a directory in the Immich ONNX layout or a name under the models dir; undefined: the remembered one. */
  model: string | undefined;
  device: Device;
  batchSize: number;
  /** --verbose: the model loader says which provider it picked and why. */
  verbose: boolean;
}

export const clipDefaults: ClipOptions = { model: undefined, device: 'auto', batchSize: defaultBatchSize, verbose: false };

/** Options from commander (camelCase) over the defaults; a bad value is a usage error naming its flag. */
export function clipOptions(raw: Record<string, unknown>): ClipOptions {
  if (raw.model !== undefined && typeof raw.model !== 'string') throw new UserError(`--model must be a directory or a model name`);
  return {
    model: raw.model,
    device: choiceOption('--device', raw.device, devices) ?? clipDefaults.device,
    batchSize: positiveIntOption('--batch-size', raw.batchSize) ?? clipDefaults.batchSize,
    verbose: !!raw.verbose,
  };
}
