/** findDuplicates: exact before near, near before similar, each file in one group, similar only when asked. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findDuplicates } from '../../src/duplicates/find.js';
import type { DuplicateCandidate } from '../../src/catalog/duplicates.js';

let nextId = 1;
function file(path: string, over: Partial<DuplicateCandidate> = {}): DuplicateCandidate {
  return { id: nextId++, path, kind: 'image', ext: 'jpg', size: 1000, mtimeMs: 0, identity: path, width: 100, height: 100, phash: null, takenAt: null, takenAtMs: null, metadataFields: 0, ...over };
}

const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return Float32Array.from(v.map((x) => x / n));
};

test('byte copies join the near group of their photo; similar groups only with --similar, among the rest', async () => {
  const a = file('/p/a.jpg', { identity: 'same', phash: 'ffff0000ffff0000' });
  const aCopy = file('/q/a.jpg', { identity: 'same', phash: 'ffff0000ffff0000' });
  const aSmall = file('/p/a-small.jpg', { phash: 'ffff0000ffff0003', width: 50, height: 50 });
  const burst1 = file('/p/burst1.jpg', { phash: '0123456789abcdef' });
  const burst2 = file('/p/burst2.jpg', { phash: 'fedcba9876543210' });
  const video = file('/v/clip.mp4', { kind: 'video', ext: 'mp4', identity: 'vid' });
  const videoCopy = file('/w/clip.mp4', { kind: 'video', ext: 'mp4', identity: 'vid' });
  const candidates = [a, aCopy, aSmall, burst1, burst2, video, videoCopy];
  const vectors = new Map([
    [burst1.id, unit([1, 0.1, 0])],
    [burst2.id, unit([1, 0.12, 0.05])],
    [a.id, unit([0, 0, 1])],
  ]);
  const sources = { candidates, contentHash: async (f: DuplicateCandidate) => f.identity, embeddings: () => vectors };
  const base = { threshold: 10, prefer: [], threads: 1 };

  const plain = await findDuplicates(sources, { ...base, similar: null });
  assert.deepEqual(
    plain.map((g) => ({ kind: g.kind, score: g.score, keep: g.keep.path, files: g.files.map((f) => f.path) })),
    [
      { kind: 'exact', score: 0, keep: '/v/clip.mp4', files: ['/v/clip.mp4', '/w/clip.mp4'] },
      { kind: 'near', score: 2, keep: '/p/a.jpg', files: ['/p/a.jpg', '/p/a-small.jpg', '/q/a.jpg'] },
    ],
  );
  const withSimilar = await findDuplicates(sources, { ...base, similar: 0.99 });
  const similar = withSimilar.filter((g) => g.kind === 'similar');
  assert.deepEqual(similar.map((g) => g.files.map((f) => f.path).sort()), [['/p/burst1.jpg', '/p/burst2.jpg']]);
  assert.ok(similar[0]!.score >= 0.99 && similar[0]!.score < 1);
});

test('same identity but different whole-file hashes are different contents; an unreadable file is matched by nothing', async () => {
  const x = file('/a/x.jpg', { identity: 'i' });
  const y = file('/b/x.jpg', { identity: 'i' });
  const z = file('/c/x.jpg', { identity: 'i' });
  const hashes = new Map([[x.id, 'h1'], [y.id, 'h2'], [z.id, null]]);
  const groups = await findDuplicates(
    { candidates: [x, y, z], contentHash: async (f) => hashes.get(f.id) ?? null },
    { threshold: 10, similar: null, prefer: [], threads: 1 },
  );
  assert.deepEqual(groups, []);
});

test('with keys only, full rows are asked for twins and grouped files alone; a file gone meanwhile is left out', async () => {
  const rows = [
    file('/k/a.jpg', { phash: 'ffff0000ffff0000', width: 50, height: 50 }),
    file('/k/a-big.jpg', { phash: 'ffff0000ffff0001' }),
    file('/k/gone.jpg', { phash: 'ffff0000ffff0002' }),
    file('/k/x.jpg', { identity: 'twin', phash: '0123456789abcdef' }),
    file('/l/x.jpg', { identity: 'twin', phash: '0123456789abcdef' }),
    file('/k/alone.jpg', { phash: 'fedcba9876543210' }),
    file('/k/alone2.jpg', { phash: '00ff00ff00ff00ff' }),
  ];
  const gone = rows[2]!.id;
  const asked: number[][] = [];
  const groups = await findDuplicates(
    {
      candidates: rows.map(({ id, kind, identity, phash }) => ({ id, kind, identity, phash })),
      contentHash: async (f) => f.identity,
      details: (ids) => {
        asked.push([...ids]);
        return new Map(rows.filter((r) => ids.includes(r.id) && r.id !== gone).map((r) => [r.id, r]));
      },
    },
    { threshold: 10, similar: null, prefer: [], threads: 1 },
  );
  assert.deepEqual(
    groups.map((g) => ({ kind: g.kind, keep: g.keep.path, files: g.files.map((f) => f.path) })),
    [
      { kind: 'exact', keep: '/k/x.jpg', files: ['/k/x.jpg', '/l/x.jpg'] },
      { kind: 'near', keep: '/k/a-big.jpg', files: ['/k/a-big.jpg', '/k/a.jpg'] },
    ],
  );
  const alone = rows.slice(5).map((r) => r.id);
  assert.ok(asked.flat().every((id) => !alone.includes(id)), `details asked for ungrouped files: ${JSON.stringify(asked)}`);
  assert.equal(new Set(asked.flat()).size, asked.flat().length, 'each row is read once');
});
