/**
 * Every temp folder a test file makes lives under one folder of its own, removed when the test process exits, so
 * `npm test` leaves nothing in /tmp whether or not each test cleans up. Importing this module sets TMPDIR, which
 * os.tmpdir() reads at every call and child processes (the CLI under test, ONNX Runtime's per-process log file)
 * inherit. Import it before anything that makes temp folders (the shared helpers do).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const outer = os.tmpdir();
export const testTempRoot = fs.mkdtempSync(path.join(outer, 'indexer-test-'));
// Traversable by the unprivileged user that permission tests run children as (their own folders are opened wider).
fs.chmodSync(testTempRoot, 0o755);
process.env.TMPDIR = testTempRoot;
// rm copes with paths longer than PATH_MAX and with folders a test left unreadable; fs.rmSync does not.
process.on('exit', () => void spawnSync('rm', ['-rf', testTempRoot]));
