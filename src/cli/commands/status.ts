import type { Command } from 'commander';
import { filesOverview, rootsOverview, type FilesOverview, type RootOverview } from '../../catalog/overview.js';
import { openCatalog } from '../../catalog/open.js';
import { shownCatalog } from '../../catalog/catalog-url.js';
import { scansCatalog, type ScanRow } from '../../catalog/scans.js';
import { engineStatus, listFailed } from '../../tasks/status.js';
import { formatEngineStatus } from '../engine-status.js';
import { cacheDir, catalogPath, globalOptions, type CliEnv } from '../env.js';
import type { Register } from '../main.js';
import { displayLines, escapeControls } from '../display.js';
import { localTime } from '../../local-time.js';
import { failedLines } from '../failed-lines.js';
import { environmentLines, statusEnvironment } from '../status-environment.js';

const RECENT_SCANS = 5;

/** `indexer status`: roots, files by kind and state, recent scans and the engine's stages. Takes no lock. */
export const registerStatus: Register = (program, cli, wrap) => {
  program
    .command('status')
    .description('summarise the catalog: roots, files, recent scans, extraction progress')
    .option('--failed', 'list failed tasks with their reasons')
    .action(wrap((_opts: unknown, command: Command) => statusCommand(command, cli)));
};

async function statusCommand(cmd: Command, cli: CliEnv): Promise<number> {
  const global = globalOptions(cmd);
  const failedOnly = !!(cmd.opts() as { failed?: boolean }).failed;
  const catalog = catalogPath(cmd, cli);
  // Read-only: WAL lets status read while a scan writes, and it never waits for the writer lock.
  const db = openCatalog(catalog, { readonly: true });
  try {
    if (failedOnly) {
      const failed = listFailed(db);
      if (global.json) cli.stdout.write(JSON.stringify({ failed }) + '\n');
      else for (const line of failedLines(failed)) cli.stdout.write(escapeControls(line) + '\n');
      return 0;
    }
    const files = filesOverview(db);
    const roots = rootsOverview(db);
    const recent = scansCatalog(db).recent(RECENT_SCANS);
    const engine = engineStatus(db, cli.clock.now());
    const environment = statusEnvironment(cacheDir(cmd, cli), cli.env, () => cli.clock.now());
    if (global.json) {
      const out = {
        catalog: shownCatalog(catalog),
        files,
        roots,
        lastScan: recent[0] ? scanJson(recent[0]) : null,
        recentScans: recent.map(scanJson),
        stages: engine.stages,
        ...engine.extra,
        ...environment,
      };
      cli.stdout.write(JSON.stringify(out) + '\n');
    } else {
      const lines = [
        `catalog ${shownCatalog(catalog)}`,
        ...rootLines(roots),
        ...fileLines(files),
        ...scanLines(recent),
        ...formatEngineStatus(engine),
        ...environmentLines(environment),
      ];
      if (!global.quiet) cli.stdout.write(displayLines(lines));
    }
    return 0;
  } finally {
    db.close();
  }
}

function scanJson(s: ScanRow) {
  return { ...s, durationMs: s.endedAt === null ? null : s.endedAt - s.startedAt };
}

function rootLines(roots: RootOverview[]): string[] {
  if (roots.length === 0) return ["roots: none yet (run 'indexer scan ROOT')"];
  return [
    `roots (${roots.length}):`,
    ...roots.map(
      (r) =>
        `  ${r.path}  ${r.files} files${r.online ? '' : `, OFFLINE (${r.offline} files kept)`}, last complete scan ${when(r.lastScanAt)}`,
    ),
  ];
}

function fileLines(f: FilesOverview): string[] {
  const kinds = Object.entries(f.byKind)
    .map(([kind, states]) => `${kind} ${states.present ?? 0}`)
    .join(', ');
  return [`files: ${f.total} (${kinds || 'none'}); ${f.offline} offline, ${f.deleted} deleted`];
}

function scanLines(scans: ScanRow[]): string[] {
  if (scans.length === 0) return [];
  return [
    'recent scans:',
    ...scans.map((s) => {
      const c = `+${s.new} ~${s.modified} >${s.moved} -${s.deleted} =${s.unchanged}`;
      const extra = [s.settling ? `${s.settling} settling` : '', s.errors ? `${s.errors} errors` : '', s.note ?? '']
        .filter(Boolean)
        .join('; ');
      return `  #${s.id} ${when(s.startedAt)} ${s.outcome}  ${c}${extra ? `  (${extra})` : ''}`;
    }),
  ];
}

function when(ms: number | null): string {
  return localTime(ms);
}
