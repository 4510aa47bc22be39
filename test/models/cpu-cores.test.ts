import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseCpuList, physicalCores } from '../../src/models/cpu-cores.js';
import { tempDir } from '../clip-helpers.js';

/** A made-up /sys/devices/system/cpu: per CPU the CPUs of its core ("0,4"), or null for an offline CPU. */
function topology(cores: (string | null)[], file = 'core_cpus_list'): string {
  const root = tempDir('cpus');
  cores.forEach((siblings, i) => {
    const dir = path.join(root, `cpu${i}`);
    fs.mkdirSync(dir);
    if (siblings === null) return;
    fs.mkdirSync(path.join(dir, 'topology'));
    fs.writeFileSync(path.join(dir, 'topology', file), `${siblings}\n`);
  });
  fs.mkdirSync(path.join(root, 'cpufreq')); // sysfs has other entries beside the CPUs
  return root;
}

test('ONNX Runtime gets one thread per physical core the process may use', () => {
  // Two cores with one thread each (the 2-core VM where ORT's own default used one thread).
  assert.equal(physicalCores(topology(['0', '1']), null, 2), 2);
  // Four hyper-threads on two cores: two; an older kernel's file name reads the same.
  assert.equal(physicalCores(topology(['0,2', '1,3', '0,2', '1,3']), null, 4), 2);
  assert.equal(physicalCores(topology(['0-1', '0-1', '2-3', '2-3'], 'thread_siblings_list'), null, 4), 2);
  // Cores of several clusters or packages with the same core_id still count apart: they are told by their CPUs.
  assert.equal(physicalCores(topology(['0', '1', '2', '3']), null, 4), 4);
  // An offline CPU has no topology and is not counted.
  assert.equal(physicalCores(topology(['0', null, '2']), null, 3), 2);
  // Pinned to both hyper-threads of one core (taskset -c 0,2): one.
  assert.equal(physicalCores(topology(['0,2', '1,3', '0,2', '1,3']), new Set([0, 2]), 2), 1);
  // Never more than the process may run on.
  assert.equal(physicalCores(topology(['0', '1', '2', '3']), null, 1), 1);
  // No topology to read (not Linux): every CPU it may use.
  assert.equal(physicalCores(path.join(tempDir('cpus'), 'missing'), null, 3), 3);
});

test('CPU lists as Linux writes them', () => {
  assert.deepEqual([...parseCpuList('0-3,8,10-11\n')], [0, 1, 2, 3, 8, 10, 11]);
  assert.deepEqual([...parseCpuList('5')], [5]);
});
