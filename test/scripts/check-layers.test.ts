import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { checkTree, formatReport } from '../../scripts/check-layers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'indexer-layers-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
}

const longBody = (name: string, lines: number) => `export function ${name}() {\n${'  void 0;\n'.repeat(lines - 2)}}\n`;

describe('check-layers', () => {
  write('leaf.ts', "import { x } from './catalog/a.js';\nexport const y = x;\n"); // leaf -> catalog: up
  write('catalog/a.ts', "import type { T } from '../tasks/t.js';\nimport { type U } from '../cli/u.js';\nexport const x = 1;\n");
  write('tasks/t.ts', "export type T = 1;\nexport async function f() { return import('../cli/u.js'); }\nexport { z } from '../cli/u.js';\nexport type { V } from '../cli/u.js';\n");
  write('cli/u.ts', "import { x } from '../catalog/a.js';\nexport type U = 1; export type V = 2; export const z = x;\n");
  write('search/s.ts', "import { x } from '../extract/e.js';\nexport const s = x;\n"); // same layer: fine
  write('extract/e.ts', "import { s } from '../workers/w.js';\nexport const x = s;\n"); // extract -> workers: up
  write('workers/w.ts', longBody('justRight', 80) + 'export const s = 1;\n');
  write('models/m.ts', longBody('tooLong', 81) + 'export const g = () => {\n' + '  void 0;\n'.repeat(85) + '};\n');
  write('odd/o.ts', 'export const o = 1;\n');

  const report = checkTree(dir);

  it('reports runtime imports that go up, static, dynamic and re-exports alike, and nothing type-only', () => {
    const ups = report.upward.map((u) => `${u.file}:${u.line} ${u.from}->${u.to}`).sort();
    assert.deepEqual(ups, [
      'extract/e.ts:1 extract->workers',
      'leaf.ts:1 leaf->catalog',
      'tasks/t.ts:2 tasks->cli',
      'tasks/t.ts:3 tasks->cli',
    ]);
  });

  it('reports function bodies over 80 lines, arrows included, and not one of exactly 80', () => {
    assert.deepEqual(
      report.long.map((f) => `${f.name} ${f.lines}`),
      ['tooLong 81', 'g 87'],
    );
  });

  it('names files outside the layer order and prints a count', () => {
    assert.deepEqual(report.unlayered, [path.join('odd', 'o.ts')]);
    assert.equal(formatReport(report).at(-1), '4 upward imports, 2 functions over 80 lines, 1 files outside the layers');
  });
});

describe("the project's own src/", () => {
  // The test runs from dist/test/scripts; the TypeScript sources sit at the repository root.
  const src = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../src');

  it('has no upward import, no function over 80 lines and no file outside the layers', () => {
    assert.ok(fs.existsSync(path.join(src, 'cli')), `src/ not found at ${src}`);
    assert.deepEqual(formatReport(checkTree(src)), ['0 upward imports, 0 functions over 80 lines, 0 files outside the layers']);
  });
});
