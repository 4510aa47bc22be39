import fs from 'node:fs';
import path from 'node:path';
import { ExitCode, UserError } from '../errors.js';

/**
 * Roots named on the command line: absolute, existing folders (bad input is exit 2 before anything is written).
 * A known root that went missing is only offline during a no-ROOT rescan; naming it explicitly is an error.
 */
export function resolveRootArgs(args: readonly string[], cwd: string): string[] {
  const out: string[] = [];
  for (const arg of args) {
    // path.resolve('') is the current folder: an unset shell variable would silently index wherever we stand.
    if (arg.trim() === '') throw new UserError(`root '${arg}': an empty name is not a folder (a shell variable that expanded to nothing?)`, ExitCode.usage);
    const abs = path.resolve(cwd, arg); // normalised: no trailing slash
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const cause = code === 'ENOENT' || code === 'ENOTDIR' ? 'no such folder' : (err as Error).message;
      throw new UserError(`root ${arg}: ${cause}`, ExitCode.usage);
    }
    if (!st.isDirectory()) throw new UserError(`root ${arg} is a file, not a folder`, ExitCode.usage);
    if (!out.includes(abs)) out.push(abs);
  }
  return out;
}
