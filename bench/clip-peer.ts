/**
 * The clip benchmark's peer, run as its own process so its time and peak RSS are its own: one bare ORT session
 * (CPU) on the same model and batch size as the stage, fed ready-made tensors. Prints one JSON line.
 *   node dist/bench/clip-peer.js MODEL_DIR IMAGES BATCH [spin|nospin|copy]
 * `spin` is ORT's defaults: its own thread count and threads spinning between ops (the stage sets one thread per
 * physical core and no spinning: see src/models/onnx.ts). `nospin` is the stage's thread settings.
 * `copy` opens the model as the stage does on a short run: from its load copy (src/models/load-copy.ts, made before
 * the timed runs, in $XDG_DATA_HOME as the stage finds it) without prepacking, so the peer starts as fast as the stage.
 * Times are from process start (performance's time origin), like the stage's: node's boot and the import of
 * onnxruntime-node happen before this module's first line runs and are part of what a real run pays.
 */
import { loadCopiesHome, loadModelInfo } from '../src/models/model-dir.js';
import { ModelSession } from '../src/models/onnx.js';

const [dir, imagesArg, batchArg, spin] = process.argv.slice(2);
const images = Number(imagesArg);
const batch = Number(batchArg);
const started = performance.now();
const info = loadModelInfo(dir!);
const asTheStage = spin === 'copy' ? { loadCopies: { home: loadCopiesHome(process.env) }, prepack: false } : {};
const session = await ModelSession.open(info.visualModel, { device: 'cpu', warn: (m) => console.error(m), spinning: spin === 'spin', ...(spin === 'spin' ? { threads: 0 } : {}), ...asTheStage });
const loaded = performance.now();
const { width, height } = info.preprocess;
const per = 3 * width * height;
// Values in the normalised range, as preprocessing would produce; the content does not change the cost.
const input = new Float32Array(per * batch).map((_, i) => ((i * 2654435761) % 1000) / 500 - 1);
// When each batch ended (ms from process start): the bench's steady state is taken from them.
const batchEnds: number[] = [];
for (let done = 0; done < images; done += batch) {
  const n = Math.min(batch, images - done);
  await session.run({ type: 'float32', data: input.subarray(0, n * per) }, [n, 3, height, width]);
  batchEnds.push(performance.now());
}
const ended = performance.now();
await session.release();
console.log(
  JSON.stringify({
    totalSeconds: ended / 1000,
    startSeconds: started / 1000,
    loadSeconds: (loaded - started) / 1000,
    inferSeconds: (ended - loaded) / 1000,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    batchEnds,
  }),
);
