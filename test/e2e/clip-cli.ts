/** Runs the real CLI (`node bin/indexer.js ...`) asynchronously, so a test may serve HTTP at the same time. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../clip/helpers.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function indexer(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/indexer.js'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, INDEXER_DB: '', INDEXER_CACHE: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
