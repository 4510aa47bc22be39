import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExitCode, UserError } from '../errors.js';
import type { Clock } from '../types.js';

/** What a lock file says about its holder. */
interface Holder {
  pid: number;
  host: string;
  /** Process start time from /proc (clock ticks since boot), so a reused pid is not mistaken for the holder. */
  startTicks: number | null;
}

const POLL_MS = 250;
/** No system hands out pids above 2^22 (Linux's pid_max ceiling); a larger or non-integer pid is not a process. */
const MAX_PID = 4_194_304;
/** A lock file with no readable holder younger than this is being written right now; older, it is debris. */
const HALF_WRITTEN_GRACE_MS = 5_000;

/**
 * One writer per catalog: an exclusive `CATALOG.lock` file holding the writer's pid. Resolves to a release
 * function; throws UserError(75) `another indexer (pid N) is using CATALOG; add --wait to wait for it` unless `wait`, which polls until the
 * holder ends (an abort of `signal` then throws UserError(130)). A lock left by a dead process is taken over.
 * Readers (status, info, search) do not take it: WAL lets them read while a writer works.
 */
export async function acquireWriterLock(
  catalogPath: string,
  opts: { wait: boolean; clock?: Clock; signal?: AbortSignal; notice?: (message: string) => void },
): Promise<() => void> {
  const lockPath = `${catalogPath}.lock`;
  fs.mkdirSync(path.dirname(lockPath), { recursive: true });
  const me: Holder = { pid: process.pid, host: os.hostname(), startTicks: startTicksOf(process.pid) };
  const now = () => (opts.clock ? opts.clock.now() : Date.now());
  let noticed = false;
  for (;;) {
    if (tryCreate(lockPath, me)) break;
    const holder = readHolder(lockPath);
    if (holder === 'missing') continue;
    // A complete lock file that names no possible process (hand-edited, another program's) holds nothing: stale.
    if (holder === 'invalid') {
      takeOver(lockPath, null);
      continue;
    }
    if (holder === 'unreadable') {
      if (now() - mtimeOf(lockPath) > HALF_WRITTEN_GRACE_MS) takeOver(lockPath, null);
      else await pause(opts.signal, catalogPath);
      continue;
    }
    if (!isAlive(holder)) {
      takeOver(lockPath, holder);
      continue;
    }
    if (!opts.wait) throw new UserError(`${busyMessage(holder, lockPath, catalogPath)}; add --wait to wait for it`, ExitCode.busy);
    if (!noticed && isRemote(holder)) {
      noticed = true;
      opts.notice?.(busyMessage(holder, lockPath, catalogPath) + ' (waiting for it)');
    }
    await pause(opts.signal, catalogPath);
  }
  // A crash skips the release: the next writer sees a dead pid and takes over. A plain exit still cleans up.
  const onExit = () => removeIfMine(lockPath, me);
  process.once('exit', onExit);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    process.off('exit', onExit);
    removeIfMine(lockPath, me);
  };
}

function tryCreate(lockPath: string, me: Holder): boolean {
  let fd: number;
  try {
    fd = fs.openSync(lockPath, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new UserError(`cannot create lock ${lockPath}: ${(err as Error).message}`, ExitCode.failure);
  }
  try {
    fs.writeSync(fd, JSON.stringify(me) + '\n');
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/** A holder on this machine is named by pid alone; one on another machine cannot be checked from here, so say so. */
function busyMessage(holder: Holder, lockPath: string, catalogPath: string): string {
  if (!isRemote(holder)) return `another indexer (pid ${holder.pid}) is using ${catalogPath}`;
  return (
    `another indexer (pid ${holder.pid} on host ${holder.host}) is using ${catalogPath}; it cannot be checked from ` +
    `${os.hostname()}: if no indexer runs on ${holder.host}, delete ${lockPath}`
  );
}

function isRemote(holder: Holder): boolean {
  return holder.host !== '' && holder.host !== os.hostname();
}

/**
 * 'unreadable': not (yet) a whole JSON object, which a writer that is creating it right now may leave for a moment;
 * 'invalid': a whole object that names no possible process.
 */
function readHolder(lockPath: string): Holder | 'missing' | 'unreadable' | 'invalid' {
  let text: string;
  try {
    text = fs.readFileSync(lockPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw new UserError(`cannot read lock ${lockPath}: ${(err as Error).message}`, ExitCode.failure);
  }
  let h: Partial<Holder> | null;
  try {
    h = JSON.parse(text) as Partial<Holder> | null;
  } catch {
    return 'unreadable';
  }
  if (!h || typeof h !== 'object' || !Number.isInteger(h.pid) || h.pid! <= 0 || h.pid! > MAX_PID) return 'invalid';
  return { pid: h.pid!, host: typeof h.host === 'string' ? h.host : '', startTicks: typeof h.startTicks === 'number' ? h.startTicks : null };
}

function isAlive(holder: Holder): boolean {
  // A lock from another machine (catalog on a network share) cannot be checked: respect it.
  if (isRemote(holder)) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    // EPERM: alive but another user's. Anything else (ESRCH, EINVAL) names no process we could be waiting for.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const ticks = startTicksOf(holder.pid);
  return !(holder.startTicks !== null && ticks !== null && ticks !== holder.startTicks);
}

/**
 * Moves a dead holder's lock aside. Two processes may race here; renaming is atomic, and if what we moved turns out
 * to be someone else's fresh lock it is put back (link fails if a third process already holds the name).
 */
function takeOver(lockPath: string, dead: Holder | null): void {
  const aside = `${lockPath}.stale-${process.pid}`;
  try {
    fs.renameSync(lockPath, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = readHolder(aside);
  const wasTheDeadOne =
    typeof moved !== 'object' ? dead === null : dead !== null && moved.pid === dead.pid && moved.startTicks === dead.startTicks;
  if (!wasTheDeadOne) {
    try {
      fs.linkSync(aside, lockPath);
    } catch {
      /* someone holds it now; they will be seen on the next loop */
    }
  }
  fs.rmSync(aside, { force: true });
}

function removeIfMine(lockPath: string, me: Holder): void {
  const h = readHolder(lockPath);
  if (typeof h === 'object' && h.pid === me.pid && h.startTicks === me.startTicks) fs.rmSync(lockPath, { force: true });
}

function mtimeOf(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** Field 22 of /proc/PID/stat (start time); null where /proc is not there. */
function startTicksOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

/** One poll interval of `--wait` (SQLite's lock file and PostgreSQL's advisory lock alike); rejects on interrupt. */
export function pause(signal: AbortSignal | undefined, catalogPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const interrupted = () => new UserError(`interrupted while waiting for ${catalogPath}`, ExitCode.interrupted);
    if (signal?.aborted) return reject(interrupted());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, POLL_MS);
    const onAbort = () => {
      clearTimeout(timer);
      reject(interrupted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
