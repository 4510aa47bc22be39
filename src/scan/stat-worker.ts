/**
 * Worker thread: stat()s batches of paths so the main thread can diff one folder against the catalog while the
 * next folders are being stat()ed (on a rescan, stat and the catalog lookups are most of the time).
 * Results go back as one transferable Float64Array; errors as codes. Nothing is thrown across the boundary.
 */
import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { FIELDS, type StatRequest, type StatReply } from './stat-batch.js';

parentPort!.on('message', (req: StatRequest) => {
  const names = req.names.split('\0');
  const prefix = req.dir === '/' ? '/' : `${req.dir}/`;
  const n = names.length;
  const values = new Float64Array(n * FIELDS);
  const errors: Record<number, string> = {};
  for (let i = 0; i < n; i++) {
    const at = i * FIELDS;
    try {
      const path = prefix + names[i];
      const st = req.follow ? fs.statSync(path) : fs.lstatSync(path);
      values[at] = st.size;
      values[at + 1] = Math.trunc(st.mtimeMs);
      values[at + 2] = st.ino;
      values[at + 3] = st.dev;
      values[at + 4] = st.isFile() ? 1 : 0;
    } catch (err) {
      values[at + 4] = -1;
      errors[i] = String((err as NodeJS.ErrnoException)?.code ?? (err as Error)?.message ?? err);
    }
  }
  const reply: StatReply = { id: req.id, values, errors };
  parentPort!.postMessage(reply, [values.buffer]);
});
