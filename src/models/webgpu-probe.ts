/**
 * Whether a model opens on WebGPU here, asked of a child process. WebGPU's native libraries (Dawn, the Vulkan
 * loader, Mesa) write straight to the process's stderr while they look for an adapter ("XDG_RUNTIME_DIR is invalid",
 * "Vulkan shaderUniform*ArrayDynamicIndexing required", source locations), which no setting of ours silences and
 * which would land in the user's terminal, log or `--json` run. The child takes that noise; the caller gets one
 * reason line, and the native lines to show under --verbose. Asked once per model file and process.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export type WebGpuProbe = { ok: true } | { ok: false; reason: string; nativeLog: string[] };

const probes = new Map<string, Promise<WebGpuProbe>>();

export function probeWebGpu(file: string): Promise<WebGpuProbe> {
  let probe = probes.get(file);
  if (!probe) probes.set(file, (probe = runProbe(file)));
  return probe;
}

const PROBE_TIMEOUT_MS = 60_000;

function runProbe(file: string): Promise<WebGpuProbe> {
  const ortUrl = pathToFileURL(createRequire(import.meta.url).resolve('onnxruntime-node')).href;
  const script = `
    const ort = await import(${JSON.stringify(ortUrl)});
    ort.env.logLevel = 'fatal';
    try {
      const s = await ort.InferenceSession.create(process.argv[1], { executionProviders: ['webgpu'], logSeverityLevel: 4 });
      await s.release();
      process.stdout.write(JSON.stringify({ ok: true }));
    } catch (err) {
      process.stdout.write(JSON.stringify({ ok: false, message: String(err && err.message || err) }));
    }
    process.exit(0);`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script, file],
      { timeout: PROBE_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const nativeLog = stderr.split('\n').map((l) => l.trimEnd()).filter(Boolean);
        let answer: { ok: boolean; message?: string } | null = null;
        try {
          answer = JSON.parse(stdout) as { ok: boolean; message?: string };
        } catch {
          answer = null;
        }
        if (answer?.ok) resolve({ ok: true });
        else if (answer) resolve({ ok: false, reason: shortReason(answer.message ?? ''), nativeLog });
        else resolve({ ok: false, reason: err ? `the WebGPU check crashed (${err.killed ? 'timed out' : err.message.split('\n')[0]})` : 'the WebGPU check gave no answer', nativeLog });
      },
    );
  });
}

/** ORT's message is a source location and a failed assertion; say what it means where we can. */
function shortReason(message: string): string {
  if (/adapter/i.test(message)) return 'no WebGPU adapter (no usable GPU or driver)';
  if (/device/i.test(message) && /request/i.test(message)) return 'the GPU refused a WebGPU device';
  const lines = message.split('\n').map((l) => l.trim()).filter(Boolean);
  const last = lines[lines.length - 1] ?? 'unknown error';
  return last.length > 160 ? last.slice(0, 160) + '…' : last;
}
