/** SHA-256 of a whole file, streamed: confirms that two files with the same identity are byte for byte the same. */
import crypto from 'node:crypto';
import fs from 'node:fs';

export async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
