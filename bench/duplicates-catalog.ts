/**
 * Child of the duplicates benchmark: a real catalog of N present photos with synthetic perceptual hashes (every
 * 100th with a near copy, as duplicates-million.ts), written straight to SQLite, then the real
 * `indexer duplicates --json` on it, timed with its peak RSS: the catalog read included.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCatalog } from '../src/catalog/open.js';
import { hashHex, syntheticHashWords } from './synthetic-hashes.js';
import { timed } from './timed.js';

const n = Number(process.argv[2] ?? 1_000_000);
const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.resolve(here, '..', '..', 'bin', 'indexer.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-dupes-catalog-'));
try {
  const file = path.join(dir, 'catalog.db');
  const db = openCatalog(file);
  const words = syntheticHashWords(n);
  db.transaction(() => {
    db.prepare(`INSERT INTO roots (id, path, added_at) VALUES (1, '/photos', 0)`).run();
    const fileRow = db.prepare(
      `INSERT INTO files (id, root_id, path, kind, ext, size, mtime_ms, ino, dev, identity, first_seen, last_seen, dir)
       VALUES (?, 1, ?, 'image', 'jpg', ?, 0, ?, 1, ?, 0, 0, ?)`,
    );
    const thumb = db.prepare(`INSERT INTO thumbnails (file_id, identity, thumb_path, preview_path, width, height) VALUES (?, ?, '', '', 4000, 3000)`);
    const hash = db.prepare(`INSERT INTO perceptual_hashes (file_id, identity, phash) VALUES (?, ?, ?)`);
    for (let i = 0; i < n; i++) {
      const folder = `/photos/${Math.floor(i / 1000)}`;
      const identity = `${i.toString(16)}-synthetic`;
      fileRow.run(i + 1, `${folder}/IMG_${i}.jpg`, 3_000_000 + i, String(i), identity, folder);
      thumb.run(i + 1, identity);
      hash.run(i + 1, identity, hashHex(words, i));
    }
  })();
  db.close();
  const r = timed([process.execPath, bin, '--db', file, 'duplicates', '--json']);
  const groups = (JSON.parse(r.stdout) as { groups: unknown[] }).groups.length;
  console.log(
    `indexer duplicates --json on a ${n.toLocaleString('en')}-photo catalog: ${groups} groups in ${r.seconds.toFixed(2)} s ` +
      `(CPU ${r.cpuSeconds?.toFixed(2) ?? '?'} s), peak RSS ${r.maxRssKb === null ? '?' : (r.maxRssKb / 1024).toFixed(0)} MiB (goal: < 10 s)`,
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
