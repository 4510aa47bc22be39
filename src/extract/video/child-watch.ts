/**
 * Makes sure no ffmpeg/ffprobe outlives its task. A worker kills its own children at their time limit, but the engine
 * may terminate the worker thread itself (--task-timeout, Ctrl-C): a terminated thread runs no more code, and its
 * children would run on. So every child is announced on a BroadcastChannel, with its deadline, and the main thread
 * (watchChildren, started by the video stage) kills children past their deadline and all of them when the process
 * exits. Before a kill the pid is checked to still be this process's child (a pid can be reused).
 */
import fs from 'node:fs';
import { BroadcastChannel, isMainThread } from 'node:worker_threads';

const CHANNEL = 'indexer:video-children';
/** A child is killed by the main thread this long after its own limit, if its worker did not do it. */
const GRACE_MS = 2_000;

type Notice = { op: 'start'; pid: number; bin: string; deadline: number } | { op: 'end'; pid: number };

let sender: BroadcastChannel | undefined;

/** Called by the worker that spawned a child; returns the call that says it has ended. */
export function announceChild(pid: number | undefined, bin: string, timeoutMs: number): () => void {
  if (!pid || isMainThread) return () => undefined;
  if (!sender) {
    sender = new BroadcastChannel(CHANNEL);
    sender.unref();
  }
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs + GRACE_MS : Number.POSITIVE_INFINITY;
  const channel = sender;
  channel.postMessage({ op: 'start', pid, bin, deadline } satisfies Notice);
  return () => channel.postMessage({ op: 'end', pid } satisfies Notice);
}

let watching = false;

/** Main thread, once per process: listens for children and kills the ones left behind. */
export function watchChildren(): void {
  if (watching || !isMainThread) return;
  watching = true;
  const live = new Map<number, { bin: string; deadline: number }>();
  const receiver = new BroadcastChannel(CHANNEL);
  receiver.unref();
  receiver.onmessage = (event: unknown) => {
    const n = (event as { data: Notice }).data;
    if (n.op === 'start') live.set(n.pid, { bin: n.bin, deadline: n.deadline });
    else live.delete(n.pid);
  };
  const sweep = (all: boolean) => {
    const now = Date.now();
    for (const [pid, c] of live) {
      if (!all && c.deadline > now) continue;
      live.delete(pid);
      if (stillOurs(pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
  };
  setInterval(() => sweep(false), 1_000).unref();
  process.on('exit', () => sweep(true));
}

/**
 * Whether `pid` is still a child of this process (Linux: its parent in /proc/PID/stat), so a pid reused by someone
 * else's process is never killed. Elsewhere assumed, since the pid was announced live.
 */
function stillOurs(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) is in parentheses and may hold spaces: fields are counted after its closing one.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return ppid === process.pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT' && process.platform !== 'linux';
  }
}
