/**
 * The one module that runs ffprobe and ffmpeg. Each run is a child process started without a shell (arguments are
 * passed as an array, so no file name is ever interpreted), with a time limit after which it is killed, and a kill
 * when the caller aborts. Output is collected in memory up to a bound; stderr keeps only its last lines, for reasons.
 *
 * The binaries are `$INDEXER_FFPROBE` / `$INDEXER_FFMPEG` when set, else `ffprobe` / `ffmpeg` on PATH.
 */
import { spawn } from 'node:child_process';
import { announceChild } from './child-watch.js';

export interface VideoTools {
  ffprobe: string;
  ffmpeg: string;
}

/** What to tell a user whose system lacks the tools (the video stage pauses with it). */
export const installHint = 'install ffmpeg (Debian/Ubuntu: apt-get install ffmpeg) or set $INDEXER_FFMPEG and $INDEXER_FFPROBE';

export function videoTools(env: NodeJS.ProcessEnv): VideoTools {
  return { ffprobe: env.INDEXER_FFPROBE || 'ffprobe', ffmpeg: env.INDEXER_FFMPEG || 'ffmpeg' };
}

/**
 * Null when both tools start and print a version; else one line saying which is missing and how to get it. Run once
 * per stage configuration, on the main thread before any video task is claimed. Both tools are started at once and
 * without blocking the event loop: `resume --stages clip` runs this check too (clip depends on the video stage), and
 * run one after the other with spawnSync the two started processes held up the start of every run, model load
 * included, by 0.1-0.8 s (the more, the busier the machine).
 */
export async function checkTools(tools: VideoTools): Promise<string | null> {
  const checks = ([['ffprobe', tools.ffprobe], ['ffmpeg', tools.ffmpeg]] as const).map(([name, bin]) => versionProblem(name, bin));
  // The first tool's problem when both have one, as before.
  return (await Promise.all(checks)).find((problem) => problem !== null) ?? null;
}

function versionProblem(name: string, bin: string): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(bin, ['-version'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000, killSignal: 'SIGKILL' });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (out.length < 4096) out += chunk.toString('latin1');
    });
    const fail = (why: string) => resolve(`video: cannot run ${name} (${bin}: ${why}): ${installHint}`);
    child.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
    child.on('close', (code, signal) => {
      if (code === 0 && /version/i.test(out)) resolve(null);
      else if (code !== null || signal) fail(signal ? `killed by ${signal}` : `exit status ${code}`);
    });
  });
}

/**
 * A path as an ffmpeg input: the `file:` protocol always, so no name is read as another protocol (`concat:`, `http:`)
 * or as an option (a leading '-').
 */
export function inputUrl(file: string): string {
  return 'file:' + file;
}

export interface ToolRun {
  /** Exit status; null when killed. */
  code: number | null;
  stdout: Buffer;
  /** The last lines of stderr, joined by ' / ' (for one-line reasons). */
  stderr: string;
  /** True when the time limit killed it. */
  timedOut: boolean;
  /** True when stdout went past maxStdout and the process was killed. */
  overflow: boolean;
}

export interface RunLimits {
  /** Kill after this long (0: never). */
  timeoutMs: number;
  /** Kill when stdout grows past this many bytes. */
  maxStdout: number;
  signal?: AbortSignal;
}

/** Runs `bin args` to completion (or to its limits). Rejects only when the binary cannot be started. */
export function runTool(bin: string, args: readonly string[], limits: RunLimits): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: false, windowsHide: true });
    const done = announceChild(child.pid, bin, limits.timeoutMs);
    const chunks: Buffer[] = [];
    let size = 0;
    let overflow = false;
    let timedOut = false;
    let errTail = '';
    const kill = () => child.kill('SIGKILL');
    const timer = limits.timeoutMs > 0 ? setTimeout(() => ((timedOut = true), kill()), limits.timeoutMs) : undefined;
    limits.signal?.addEventListener('abort', kill, { once: true });
    child.stdout.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limits.maxStdout) {
        overflow = true;
        kill();
      } else chunks.push(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      errTail = (errTail + c.toString('utf8')).slice(-4000);
    });
    const finish = () => {
      clearTimeout(timer);
      limits.signal?.removeEventListener('abort', kill);
      done();
    };
    child.on('error', (err) => {
      finish();
      reject(err);
    });
    child.on('close', (code) => {
      finish();
      resolve({ code, stdout: Buffer.concat(chunks), stderr: lastLines(errTail), timedOut, overflow });
    });
  });
}

/**
 * ffmpeg's words without what repeats the task's own context: the `[mov,mp4,... @ 0x55d1...]` component tags and the
 * input's name (the reason already starts with the path). Repeated lines are given once.
 */
export function toolMessage(stderr: string, file: string): string {
  const parts = stderr
    .split(' / ')
    .map((l) => l.replace(/\[[^\]]* @ 0x[0-9a-f]+\]\s*/gi, '').split(inputUrl(file) + ': ').join('').split(file + ': ').join('').trim())
    .filter(Boolean);
  return [...new Set(parts)].join('; ');
}

/** The last few non-empty stderr lines on one line: ffmpeg's own summary of what went wrong comes last. */
function lastLines(text: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.slice(-2).join(' / ');
}
