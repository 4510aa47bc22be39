/**
 * Worker-thread entry of RemoteSession (remote-session.ts): holds one ModelSession and answers its requests.
 * onnxruntime-node runs a model synchronously on the calling thread's event loop (a whole batch blocks
 * it), so the clip stage keeps it here, off the scheduler's thread. Never throws: errors are replies.
 */
import { parentPort } from 'node:worker_threads';
import { ModelSession, type SessionOptions } from './onnx.js';
import type { SessionReply, SessionRequest } from './remote-session.js';

const port = parentPort!;
let session: ModelSession | null = null;

const reply = (message: SessionReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

/**
 * Requests are handled one after another. The clip stage queues its next batch while one runs: two runs handled at
 * once would both meet a GPU failure and each fall back to a CPU session of its own, one of them never released.
 */
let queue: Promise<void> = Promise.resolve();

port.on('message', (request: SessionRequest) => {
  const job = () =>
    handle(request).catch((err: unknown) => reply({ kind: 'error', id: request.id, message: err instanceof Error ? err.message : String(err) }));
  // Even a reply that throws must not stop the requests after it.
  queue = queue.then(job, job);
});

async function handle(request: SessionRequest): Promise<void> {
  if (request.kind === 'open') {
    const options: SessionOptions = { ...request.options, warn: (message) => reply({ kind: 'warn', message }) };
    session = await ModelSession.open(request.file, options);
    reply({ kind: 'opened', id: request.id, provider: session.provider });
  } else if (request.kind === 'run') {
    if (!session) throw new Error('model session is not open');
    const out = await session.run({ type: 'float32', data: request.data.subarray(0, request.length) }, request.dims);
    // ORT's output may live in memory it owns: a copy is ours to transfer (a few KB of embeddings). The input's buffer
    // goes back for the caller's next batch.
    const data = out.data.slice();
    const input = request.data;
    reply({ kind: 'result', id: request.id, data, dims: [...out.dims], provider: session.provider, input }, [data.buffer, input.buffer as ArrayBuffer]);
  } else {
    await session?.release();
    session = null;
    reply({ kind: 'released', id: request.id });
  }
}
