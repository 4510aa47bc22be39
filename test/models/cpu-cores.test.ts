import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { physicalCores } from '../../src/models/cpu-cores.js';
import { tempDir } from '../clip-helpers.js';

/** A made-up /sys/devices/system/cpu: one entry per CPU, [package, core] or null for an offline CPU (no topology). */
function topology(cpus: ([number, number] | null)[]): string {
  const root = tempDir('cpus');
  cpus.forEach((cpu, i) => {
    const dir = path.join(root, `cpu${i}`);
    fs.mkdirSync(dir);
    if (!cpu) return;
    fs.mkdirSync(path.join(dir, 'topology'));
    fs.writeFileSync(path.join(dir, 'topology/physical_package_id'), `${cpu[0]}\n`);
    fs.writeFileSync(path.join(dir, 'topology/core_id'), `${cpu[1]}\n`);
  });
  fs.mkdirSync(path.join(root, 'cpufreq')); // sysfs has other entries beside the CPUs
  return root;
}

test('ONNX Runtime gets one thread per physical core the process may use', () => {
  // Two cores with one thread each (the 2-core VM where ORT's own default used one thread).
  assert.equal(physicalCores(topology([[0, 0], [0, 1]]), 2), 2);
  // Four hyper-threads on two cores: two.
  assert.equal(physicalCores(topology([[0, 0], [0, 1], [0, 0], [0, 1]]), 4), 2);
  // Two packages whose cores have the same ids: four.
  assert.equal(physicalCores(topology([[0, 0], [0, 1], [1, 0], [1, 1]]), 4), 4);
  // An offline CPU has no topology and is not counted.
  assert.equal(physicalCores(topology([[0, 0], null, [0, 2]]), 3), 2);
  // Never more than the process may run on (taskset, a container's CPU set).
  assert.equal(physicalCores(topology([[0, 0], [0, 1], [0, 2], [0, 3]]), 1), 1);
  // No topology to read (not Linux): every CPU it may use.
  assert.equal(physicalCores(path.join(tempDir('cpus'), 'missing'), 3), 3);
});
