import fs from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { ExitCode, UserError } from '../../errors.js';
import { minAgreement } from '../../models/agreement.js';
import type { compareModels } from '../../models/compare.js';
import { knownModels } from '../../models/known.js';
import { listInstalled, loadModelInfo, modelId, modelsHome, resolveModelDir } from '../../models/model-dir.js';
import type { PullProgress, verifyModel } from '../../models/store.js';
import { globalOptions, makeLogger, type CliEnv, type GlobalOptions } from '../env.js';
import type { Register } from '../main.js';
import { drawsOnTerminal } from '../terminal.js';

/** `indexer models list | pull NAME | verify [NAME|DIR...]`. */
export const registerModels: Register = (program, cli, wrap) => {
  const models = program.command('models').description('CLIP models: list, download, verify');

  models
    .command('list')
    .description('known and installed models')
    .action(wrap(async (_opts, cmd: Command) => listModels(cli, globalOptions(cmd))));

  models
    .command('pull')
    .description('download a known model into the models dir (resumable, sha256-verified)')
    .argument('<name>', `one of: ${Object.keys(knownModels).join(', ')}`)
    .option('--force', 'download again even if installed')
    .action(wrap(async (name: string, opts: { force?: boolean }, cmd: Command) => pullNamedModel(cli, globalOptions(cmd), name, opts)));

  models
    .command('verify')
    .description('check installed models (or the given names/dirs): files, checksums, both encoders run')
    .argument('[models...]', 'names or directories (default: every installed model)')
    .option('--against <model>', `also require embeddings within cosine ${minAgreement} of this model's (an int8 variant's original)`)
    .action(wrap(async (specs: string[], opts: { against?: string }, cmd: Command) => verifyModels(cli, globalOptions(cmd), specs, opts)));
};

/** `models list`: known models and those installed by hand, with their ids, and the devices ONNX Runtime offers. */
async function listModels(cli: CliEnv, g: GlobalOptions): Promise<number> {
  const installed = listInstalled(cli.env);
  const rows = [
    ...Object.entries(knownModels).map(([name, k]) => ({
      name,
      installed: installed.includes(name),
      description: k.description,
      source: k.repo,
    })),
    ...installed
      .filter((n) => !(n in knownModels))
      .map((name) => ({ name, installed: true, description: 'installed by hand', source: null as string | null })),
  ].map((r) => ({ ...r, dir: r.installed ? path.join(modelsHome(cli.env), r.name) : null }));
  const withIds = rows.map((r) => ({ ...r, id: r.dir ? safeId(r.dir) : null }));
  // ONNX Runtime and the model code load only when a subcommand runs (not for --help or another command).
  const { knownProviders } = await import('../../models/onnx.js');
  const providers = knownProviders();
  if (g.json) cli.stdout.write(JSON.stringify({ modelsDir: modelsHome(cli.env), models: withIds, providers }) + '\n');
  else {
    cli.stdout.write(`models dir: ${modelsHome(cli.env)}\n`);
    for (const r of withIds) {
      cli.stdout.write(`${r.installed ? '*' : ' '} ${r.name.padEnd(30)} ${r.description}${r.id ? `  [${r.id}]` : ''}\n`);
    }
    cli.stdout.write(`(* installed; get one with 'indexer models pull NAME')\n`);
    const names = (bundled: boolean) => providers.filter((p) => p.bundled === bundled).map((p) => p.name).join(', ');
    cli.stdout.write(`devices: ${names(true)} built in; ${names(false) || 'none'} need their libraries installed (see README)\n`);
  }
  return ExitCode.ok;
}

/** `models pull NAME`: downloads a known model, warning loudly about any file no published checksum vouches for. */
async function pullNamedModel(cli: CliEnv, g: GlobalOptions, name: string, opts: { force?: boolean }): Promise<number> {
  const log = makeLogger(g, cli);
  const { progress, stop } = progressFor(g, cli, log.info);
  const { pullModel, unverifiedFiles } = await import('../../models/store.js');
  try {
    const result = await pullModel(name, cli.env, { force: opts.force, progress });
    stop();
    if (result.alreadyInstalled) log.info(`${name} is already installed in ${result.dir} (--force downloads it again)`);
    const unverified = result.alreadyInstalled ? [] : unverifiedFiles(result.manifest);
    if (!result.alreadyInstalled) {
      log.info(`installed ${name} in ${result.dir}`);
      // Loud and on stderr whatever --quiet says: nothing proves these files are the ones published.
      if (unverified.length) log.warn(unverifiedWarning(name, unverified));
    }
    if (g.json) {
      const out = { name, dir: result.dir, alreadyInstalled: result.alreadyInstalled, files: result.manifest.files, unverified };
      cli.stdout.write(JSON.stringify(out) + '\n');
    }
    return ExitCode.ok;
  } finally {
    stop();
  }
}

/** `models verify`: each model's files, checksums and encoders, and with --against its agreement with another. */
async function verifyModels(cli: CliEnv, g: GlobalOptions, specs: string[], opts: { against?: string }): Promise<number> {
  const log = makeLogger(g, cli);
  const dirs = specs.length ? specs.map((s) => resolveModelDir(s, cli.env)!) : listInstalled(cli.env).map((n) => path.join(modelsHome(cli.env), n));
  if (dirs.length === 0) throw new UserError(`no models installed in ${modelsHome(cli.env)}: run 'indexer models pull ViT-B-32'`);
  const reference = opts.against ? loadModelInfo(resolveModelDir(opts.against, cli.env)!) : null;
  const { verifyModel } = await import('../../models/store.js');
  const { compareModels } = await import('../../models/compare.js');
  const reports = [];
  for (const dir of dirs) {
    const r: Awaited<ReturnType<typeof verifyModel>> & { agreement?: Awaited<ReturnType<typeof compareModels>> } = await verifyModel(dir, log.warn);
    if (reference && r.ok) {
      r.agreement = await compareModels(loadModelInfo(dir), reference, log.warn);
      const { minImageCosine: i, minTextCosine: t } = r.agreement;
      log.info(`${dir} against ${reference.dir}: lowest cosine ${i.toFixed(4)} (images), ${t.toFixed(4)} (texts)`);
      if (!r.agreement.ok) {
        r.ok = false;
        r.problems.push(`embeddings differ from ${reference.name}'s by more than cosine ${minAgreement} (images ${i.toFixed(4)}, texts ${t.toFixed(4)})`);
      }
    }
    reports.push(r);
    if (!g.json) cli.stdout.write(r.ok ? `ok      ${dir}  [${r.id}, ${r.dim}-d]\n` : `FAILED  ${dir}: ${r.problems.join('; ')}\n`);
  }
  if (g.json) cli.stdout.write(JSON.stringify(reports) + '\n');
  return reports.every((r) => r.ok) ? ExitCode.ok : ExitCode.usage;
}

function safeId(dir: string): string | null {
  try {
    return fs.existsSync(dir) ? modelId(dir) : null;
  } catch {
    return null;
  }
}

/** The warning for files no published sha256 vouches for. */
function unverifiedWarning(name: string, files: string[]): string {
  return (
    `indexer: WARNING: ${name} is UNVERIFIED: no published sha256 pinned for ${files.join(', ')}; only the server vouches ` +
    `for them, and a mirror or a tampered server can serve anything. Compare them with the publisher's checksums, or ` +
    `pin them in $INDEXER_MODEL_PINS (see README)`
  );
}

/** A cli-progress bar per file on a TTY; one line per file otherwise; nothing with --quiet or --json. */
function progressFor(g: GlobalOptions, cli: CliEnv, info: (m: string) => void): { progress: PullProgress; stop(): void } {
  const tty = drawsOnTerminal(cli) && !g.quiet && !g.json;
  let bar: cliProgress.SingleBar | null = null;
  const mb = (n: number) => (n / 1e6).toFixed(1);
  return {
    progress: {
      start: (file, resumedFrom) => {
        if (tty) {
          bar = new cliProgress.SingleBar(
            { stream: cli.stderr as NodeJS.WritableStream, format: `${file.padEnd(30)} [{bar}] {percentage}% {value}/{total} bytes` },
            cliProgress.Presets.shades_classic,
          );
          bar.start(1, resumedFrom);
        } else if (resumedFrom > 0) info(`${file}: resuming after ${mb(resumedFrom)} MB`);
      },
      progress: (_file, done, total) => {
        if (bar) {
          if (total) bar.setTotal(total);
          bar.update(done);
        }
      },
      end: (file, r) => {
        if (bar) {
          bar.stop();
          bar = null;
        }
        const trust = r.pinned ? 'verified (published sha256)' : r.verified ? "UNVERIFIED (only the server's own checksum)" : 'UNVERIFIED (no checksum)';
        info(`${file}: ${mb(r.bytes)} MB, sha256 ${r.sha256.slice(0, 16)}… ${trust}`);
      },
    },
    stop: () => {
      bar?.stop();
      bar = null;
    },
  };
}
