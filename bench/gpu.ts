/**
 * gpu benchmark line: CLIP on a GPU (--device cuda / webgpu) against a bare ORT session on the same GPU needs a
 * GPU. This project's benchmark machine lends one only to some tasks; when none is there the line says so rather
 * than printing a number.
 */
import { spawnSync } from 'node:child_process';

export async function benchGpu(): Promise<void> {
  const smi = spawnSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8' });
  const gpu = smi.status === 0 ? smi.stdout.trim().split('\n')[0] : null;
  if (!gpu) {
    console.log('GPU (clip stage --device cuda|webgpu vs bare ORT session): no device lent to this run; no GPU figures');
    return;
  }
  console.log(`GPU: ${gpu} present, but this bench has no GPU measurement yet (CUDA needs ONNXRUNTIME_NODE_INSTALL=cuda12; see README Devices)`);
}
