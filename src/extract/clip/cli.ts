import { Option, type Command } from 'commander';
import { parsePositiveInt } from '../../cli/parse.js';
import { devices } from '../../models/devices.js';

/** Default images per inference batch: large enough to keep ORT busy, small enough for a few MB of input. */
export const defaultBatchSize = 16;

/** Command-line flags of the clip stage (declared on scan and resume). Values arrive as options.model/device/batchSize. */
export function addClipOptions(cmd: Command): Command {
  return cmd
    .option('--model <dir|name>', 'CLIP model: a directory in the Immich ONNX layout, or a name under the models dir')
    .addOption(
      new Option('--device <device>', 'inference device; auto picks the best available, failures fall back to cpu')
        .choices([...devices])
        .default('auto'),
    )
    .option('--batch-size <n>', `images per CLIP inference batch (default ${defaultBatchSize})`, parsePositiveInt('--batch-size'));
}
