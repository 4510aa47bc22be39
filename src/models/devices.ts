/**
 * Execution devices for ONNX Runtime. Kept apart from onnx.ts so that declaring the `--device` flag does not load
 * onnxruntime-node: every `indexer scan` declares it, few need it.
 */
export type Device = 'auto' | 'cpu' | 'cuda' | 'webgpu';
export const devices: readonly Device[] = ['auto', 'cpu', 'cuda', 'webgpu'];
