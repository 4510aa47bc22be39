/**
 * Reports what goes against the code's shape (issue 14): every relative import (static, re-export or dynamic
 * `import()`; type-only imports excepted, since they vanish at run time) that goes up the layer order
 *   cli > tasks > workers > scan / search / extract > catalog / models > leaves (src/*.ts)
 * and every function in src/ whose body is longer than 80 lines. A report tool for now, not a test: it prints each
 * finding and a count, and exits 0 (with --strict, 1 when anything is found).
 *   node dist/scripts/check-layers.js [SRC_DIR] [--strict]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Higher imports lower. Folders not named here are reported as unlayered rather than guessed. */
const layerOf: Record<string, number> = {
  cli: 5,
  tasks: 4,
  workers: 3,
  scan: 2,
  search: 2,
  extract: 2,
  // indexer duplicates: reads the catalog, groups, renders; beside search, which it resembles.
  duplicates: 2,
  catalog: 1,
  models: 1,
};
const LEAF = 0;
export const MAX_BODY_LINES = 80;

export interface UpwardImport {
  file: string;
  line: number;
  specifier: string;
  from: string;
  to: string;
}

export interface LongFunction {
  file: string;
  line: number;
  name: string;
  lines: number;
}

export interface Report {
  upward: UpwardImport[];
  long: LongFunction[];
  /** Files under a folder with no place in the order (src/<folder>/...). */
  unlayered: string[];
}

/** The layer of a file relative to src/: its first folder, or the leaf layer for src/*.ts. */
function layer(relative: string): { name: string; rank: number | undefined } {
  const parts = relative.split(path.sep);
  if (parts.length === 1) return { name: 'leaf', rank: LEAF };
  return { name: parts[0]!, rank: layerOf[parts[0]!] };
}

export function checkTree(srcDir: string): Report {
  const report: Report = { upward: [], long: [], unlayered: [] };
  for (const file of tsFiles(srcDir)) {
    const relative = path.relative(srcDir, file);
    const text = fs.readFileSync(file, 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const here = layer(relative);
    if (here.rank === undefined) report.unlayered.push(relative);
    visit(source, (node) => {
      const specifier = runtimeImport(node);
      if (specifier !== undefined && specifier.startsWith('.') && here.rank !== undefined) {
        const target = path.relative(srcDir, path.resolve(path.dirname(file), specifier));
        const there = layer(target);
        if (!target.startsWith('..') && there.rank !== undefined && there.rank > here.rank) {
          report.upward.push({ file: relative, line: lineOf(source, node), specifier, from: here.name, to: there.name });
        }
      }
      const long = longFunction(source, node);
      if (long) report.long.push({ file: relative, ...long });
    });
  }
  return report;
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFiles(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

function visit(node: ts.Node, fn: (node: ts.Node) => void): void {
  fn(node);
  ts.forEachChild(node, (child) => visit(child, fn));
}

/** The module a node loads at run time, if it is an import, a re-export or an `import()` call. */
function runtimeImport(node: ts.Node): string | undefined {
  if (ts.isImportDeclaration(node)) {
    const clause = node.importClause;
    if (clause && typeOnlyImport(clause)) return undefined;
    return stringOf(node.moduleSpecifier);
  }
  if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
    if (node.isTypeOnly) return undefined;
    const named = node.exportClause;
    if (named && ts.isNamedExports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly)) return undefined;
    return stringOf(node.moduleSpecifier);
  }
  if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
    return node.arguments[0] ? stringOf(node.arguments[0]) : undefined;
  }
  return undefined;
}

/** `import type {..}`, or `import {type A, type B}` with no default or namespace: erased by the compiler. */
function typeOnlyImport(clause: ts.ImportClause): boolean {
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  return !!bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

function stringOf(node: ts.Node): string | undefined {
  return ts.isStringLiteralLike(node) ? node.text : undefined;
}

/** A function, method, accessor, constructor or arrow whose body spans more than MAX_BODY_LINES lines. */
function longFunction(source: ts.SourceFile, node: ts.Node): Omit<LongFunction, 'file'> | undefined {
  if (!ts.isFunctionLike(node)) return undefined;
  const body = (node as { body?: ts.Node }).body;
  if (!body) return undefined;
  // Lines from the body's first line (the `{`) to its last (the `}`), both included.
  const first = source.getLineAndCharacterOfPosition(body.getStart(source)).line;
  const last = source.getLineAndCharacterOfPosition(body.getEnd()).line;
  const lines = last - first + 1;
  if (lines <= MAX_BODY_LINES) return undefined;
  return { line: lineOf(source, node), name: functionName(node), lines };
}

function functionName(node: ts.Node): string {
  const named = (node as { name?: ts.Node }).name;
  if (named && (ts.isIdentifier(named) || ts.isStringLiteral(named) || ts.isPrivateIdentifier(named))) return named.text;
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  return '(anonymous)';
}

function lineOf(source: ts.SourceFile, node: ts.Node): number {
  return source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
}

export function formatReport(report: Report, srcLabel = 'src'): string[] {
  const lines: string[] = [];
  for (const u of report.upward) lines.push(`up    ${srcLabel}/${u.file}:${u.line}  ${u.from} -> ${u.to}  '${u.specifier}'`);
  for (const f of report.long) lines.push(`long  ${srcLabel}/${f.file}:${f.line}  ${f.name}  ${f.lines} lines`);
  for (const f of report.unlayered) lines.push(`unlayered  ${srcLabel}/${f}`);
  lines.push(
    `${report.upward.length} upward imports, ${report.long.length} functions over ${MAX_BODY_LINES} lines, ${report.unlayered.length} files outside the layers`,
  );
  return lines;
}

function main(argv: string[]): number {
  const strict = argv.includes('--strict');
  const dirArg = argv.find((a) => !a.startsWith('--'));
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const srcDir = path.resolve(dirArg ?? path.join(repo, 'src'));
  const report = checkTree(srcDir);
  for (const line of formatReport(report, path.relative(process.cwd(), srcDir) || '.')) console.log(line);
  const found = report.upward.length + report.long.length;
  return strict && found > 0 ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
