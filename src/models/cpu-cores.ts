/**
 * How many threads ONNX Runtime's CPU provider should use: one per physical core this process may run on.
 *
 * ORT's own default is meant to be the same, but it does not always find the cores: on a 2-core VM (two cores in
 * /sys, one thread each) it used one thread, and ViT-B/32 ran at 0.93 s per batch of 16 instead of 0.57 s with two.
 * Hyper-threads are not counted: two threads on one core's GEMM units gain little and take the core the preprocessing
 * workers need.
 */
import fs from 'node:fs';
import os from 'node:os';

/**
 * Cores among the CPUs the process may run on: CPUs that share a core (topology/core_cpus_list, the hyper-threads of
 * one core) count once. The arguments are for tests: a made-up topology, a made-up affinity.
 */
export function physicalCores(
  cpuRoot = '/sys/devices/system/cpu',
  allowed: Set<number> | null = allowedCpus(),
  usable = Math.max(1, os.availableParallelism()),
): number {
  let names: string[];
  try {
    names = fs.readdirSync(cpuRoot).filter((n) => /^cpu\d+$/.test(n));
  } catch {
    return usable; // no sysfs (macOS, some containers): every CPU the process may use
  }
  const cores = new Set<string>();
  for (const name of names) {
    if (allowed && !allowed.has(Number(name.slice(3)))) continue;
    for (const file of ['core_cpus_list', 'thread_siblings_list']) {
      try {
        cores.add(fs.readFileSync(`${cpuRoot}/${name}/topology/${file}`, 'utf8').trim());
        break;
      } catch {
        // An older kernel names it the other way; an offline CPU has no topology and is not one to run on.
      }
    }
  }
  return cores.size > 0 ? Math.min(cores.size, usable) : usable;
}

/** The CPUs this process may run on (its affinity, as `taskset` or a container's CPU set leaves it), if Linux says. */
function allowedCpus(): Set<number> | null {
  try {
    const line = /^Cpus_allowed_list:\s*(.+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return line ? parseCpuList(line[1]!) : null;
  } catch {
    return null;
  }
}

/** "0-3,8,10-11" -> {0,1,2,3,8,10,11}. */
export function parseCpuList(list: string): Set<number> {
  const cpus = new Set<number>();
  for (const part of list.trim().split(',')) {
    const [from, to] = part.split('-').map(Number);
    if (!Number.isInteger(from)) continue;
    for (let cpu = from!; cpu <= (Number.isInteger(to) ? to! : from!); cpu++) cpus.add(cpu);
  }
  return cpus;
}
