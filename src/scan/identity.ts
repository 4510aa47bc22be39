import crypto from 'node:crypto';
import fs from 'node:fs/promises';

/** Bytes hashed at each end of a file: enough to tell photos apart, cheap on a NAS. */
const IDENTITY_CHUNK = 64 * 1024;

/**
 * Identity of a file: sha256 over (size, first 64 KiB, last 64 KiB), as 64 lower-case hex chars.
 * It recognises a moved file and keys the thumbnail cache, so it must not depend on the path.
 * Rejects with the fs error (EACCES, ENOENT...) for the caller to count.
 */
export async function fileIdentity(file: string, size: number): Promise<string> {
  const handle = await fs.open(file, 'r');
  try {
    const hash = crypto.createHash('sha256');
    const sizeBytes = Buffer.alloc(8);
    sizeBytes.writeBigUInt64LE(BigInt(size));
    hash.update(sizeBytes);
    const headLength = Math.min(size, IDENTITY_CHUNK);
    const head = Buffer.alloc(headLength);
    await readFully(handle, head, 0);
    hash.update(head);
    if (size > IDENTITY_CHUNK) {
      const tailLength = Math.min(size - IDENTITY_CHUNK, IDENTITY_CHUNK);
      const tail = Buffer.alloc(tailLength);
      await readFully(handle, tail, size - tailLength);
      hash.update(tail);
    }
    return hash.digest('hex');
  } finally {
    await handle.close();
  }
}

async function readFully(handle: fs.FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await handle.read(buf, done, buf.length - done, position + done);
    // The file shrank under us: hash what is there; the next scan sees the new size and hashes again.
    if (bytesRead === 0) return;
    done += bytesRead;
  }
}
