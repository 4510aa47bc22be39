import fs from 'node:fs/promises';

/** Whether a root can be walked now; an unavailable root makes its files offline, never deleted. */
export type RootProbe = { ok: true; empty: boolean } | { ok: false; reason: string };

export async function probeRoot(root: string): Promise<RootProbe> {
  try {
    const st = await fs.stat(root);
    if (!st.isDirectory()) return { ok: false, reason: 'is no longer a folder' };
    const dir = await fs.opendir(root);
    try {
      return { ok: true, empty: (await dir.read()) === null };
    } finally {
      await dir.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, reason: 'is missing' };
    if (code === 'EACCES' || code === 'EPERM') return { ok: false, reason: 'cannot be read (permission denied)' };
    return { ok: false, reason: `cannot be read (${(err as Error).message})` };
  }
}
