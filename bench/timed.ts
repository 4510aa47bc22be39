/** A child command run under GNU time: its stdout, wall seconds, peak RSS and CPU time (null where not reported). */
import { spawnSync } from 'node:child_process';

export interface Timed {
  stdout: string;
  seconds: number;
  maxRssKb: number | null;
  cpuSeconds: number | null;
}

/** Throws unless the command exits 0 or 1 (1: a peer that found something, as `grep` does). */
export function timed(cmd: string[], env: NodeJS.ProcessEnv = process.env): Timed {
  const started = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'RSSKB=%M CPU=%U %S', ...cmd], { encoding: 'utf8', env, maxBuffer: 1 << 28 });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd.join(' ')} failed (${r.status}): ${r.stderr.slice(-500)}`);
  const m = /RSSKB=(\d+) CPU=([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { stdout: r.stdout, seconds, maxRssKb: m ? Number(m[1]) : null, cpuSeconds: m ? Number(m[2]) + Number(m[3]) : null };
}
