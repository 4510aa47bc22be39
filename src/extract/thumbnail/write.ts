/** Writes derived files atomically: a reader (or a crash) never sees half a thumbnail. */
import fs from 'node:fs';
import path from 'node:path';
import { cacheTempName } from '../cache-temps.js';

export async function writeAtomic(file: string, data: Uint8Array): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  // Unique per thread and call, so two workers rendering the same identity never share a temp file.
  const tmp = cacheTempName(file);
  try {
    await fs.promises.writeFile(tmp, data);
    await fs.promises.rename(tmp, file);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
}
