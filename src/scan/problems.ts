/** A per-path problem met during a scan: counted in `errors` and named once on stderr, never fatal. */
export interface ScanProblem {
  path: string;
  /** errno code (EACCES, ENOENT, ENAMETOOLONG...) or our own tag (EBADNAME). */
  code: string;
  /** One line for the user: what happened to which path. */
  message: string;
}

const REPLACEMENT_CHAR = '\uFFFD';

/**
 * Node decodes file names as UTF-8 and replaces invalid bytes with U+FFFD, so a name that is not valid UTF-8
 * comes back as a path that does not exist (ENOENT). That is reported as a bad name, not as a vanished file.
 */
export function describeProblem(what: 'file' | 'folder', file: string, err: unknown): ScanProblem {
  const code = (err as NodeJS.ErrnoException)?.code ?? 'EUNKNOWN';
  let cause: string;
  let tag = code;
  if (code === 'ENOENT' && file.includes(REPLACEMENT_CHAR)) {
    tag = 'EBADNAME';
    cause = 'name is not valid UTF-8; rename it to index it';
  } else if (code === 'ENOENT') cause = `${what} vanished during the scan`;
  else if (code === 'EACCES' || code === 'EPERM') cause = `cannot read ${what}: permission denied`;
  else if (code === 'ENAMETOOLONG') cause = 'path is too long for the operating system';
  else if (code === 'ELOOP') cause = 'too many levels of symbolic links';
  else if (code === 'EIO') cause = `cannot read ${what}: I/O error`;
  else cause = `cannot read ${what}: ${(err as Error)?.message ?? code}`;
  return { path: file, code: tag, message: `${printablePath(file)}: ${cause}` };
}

/** Paths go on one line even when a name holds a newline or control characters. */
export function printablePath(file: string): string {
  return /[\u0000-\u001f\u007f]/.test(file) ? JSON.stringify(file) : file;
}
