/**
 * Reads the small JSON files of a model directory. A model directory is input from anywhere (a download, a mirror, a
 * folder a user points --model at), so: only regular files (a FIFO would block, a device never end), a size cap
 * (a "config" of gigabytes is not read into memory), and errors that never quote the file's contents (JSON.parse's
 * message does: a tokenizer.json linked to /etc/passwd printed "root:x:0:0" in an error).
 */
import fs from 'node:fs';
import { UserError } from '../errors.js';

export function readModelJson(file: string, maxBytes: number): unknown {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (err) {
    throw new UserError(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!st.isFile()) throw new UserError(`${file}: not a regular file`);
  if (st.size > maxBytes) throw new UserError(`${file}: ${st.size} bytes, over the ${maxBytes} byte limit for this file (refused unread)`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return JSON.parse(text);
  } catch {
    // Deliberately without JSON.parse's message, which quotes the text around the fault.
    throw new UserError(`${file}: not valid JSON`);
  }
}

/** Caps for the JSON files of a model (real ones: configs of a few KB, tokenizer.json 2-17 MB). */
export const modelJsonLimits = {
  config: 1024 * 1024,
  tokenizer: 64 * 1024 * 1024,
} as const;
