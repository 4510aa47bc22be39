/** Module hooks (they run on the loader's own thread): record each loaded URL, one per line. */
import fs from 'node:fs';

let out = '';

export function initialize(data: { out: string }): void {
  out = data.out;
}

export async function load(url: string, context: unknown, next: (url: string, context: unknown) => Promise<unknown>): Promise<unknown> {
  fs.appendFileSync(out, url + '\n');
  return next(url, context);
}
