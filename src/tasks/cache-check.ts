/**
 * A cache the user cannot write is the machine's fault, not the photos': checked once before phase 2 claims any work,
 * it pauses the stages that write there with one message, and their tasks stay pending for `indexer resume`.
 * (Without it, every thumbnail failed for good, one line per file, and the clip stage waited on them forever.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { describeError } from '../errors.js';

/**
 * Why `cacheDir` cannot take new files, or null when it can: creates it, writes and removes a probe file. The probe
 * has one name for every process: a run killed between the write and the removal leaves it, and the next run's probe
 * removes it (a name per pid was left for good: the crash sweep only knows task temp files). Processes probing at
 * once write and remove the same empty file, which both tolerate.
 */
export function cacheWriteProblem(cacheDir: string): string | null {
  const probe = path.join(cacheDir, '.indexer-write-test');
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.writeFileSync(probe, '');
    fs.rmSync(probe, { force: true });
    return null;
  } catch (err) {
    return `the cache ${cacheDir} is not writable (${describeError(err)}): fix its permissions or give --cache-dir a folder you can write, then run 'indexer resume'`;
  }
}
