/**
 * One search of the `pg-search` benchmark, in a process of its own as `indexer search` runs:
 * `node pg-search-child.js CATALOG CACHE_DIR SEED`. Opens the catalog read-only (a SQLite file or a postgres:// URL),
 * then does what `indexer search` does once the query text is embedded (src/search/search.ts: the filter, rank() with
 * the cache dir, describeFiles for the printed rows) with a synthetic text-like query vector. Prints one JSON line:
 * {openMs, searchMs, hits}. The first search of a catalog reads every embedding to build the cache's vector file; the
 * next ones scan that file and read only the candidates' rows.
 */
import { openCatalog } from '../src/catalog/open.js';
import { describeFiles } from '../src/catalog/embeddings.js';
import { catalogFilter } from '../src/search/candidate-filter.js';
import { rank } from '../src/search/rank.js';
import { lcg, modelId, space, textVector } from './search-scale-data.js';

const [catalog, cacheDir, seed] = process.argv.slice(2) as [string, string, string];
const query = textVector(space(), lcg(Number(seed)));
let t = performance.now();
const db = openCatalog(catalog, { readonly: true });
const openMs = performance.now() - t;
t = performance.now();
const hits = await rank(db, modelId, query, { limit: 20, filter: catalogFilter(db, {}), exact: false, cache: { dir: cacheDir, catalogPath: catalog }, env: process.env });
const rows = describeFiles(db, hits.map((h) => h.fileId));
const searchMs = performance.now() - t;
db.close();
process.stdout.write(JSON.stringify({ openMs, searchMs, hits: rows.size }) + '\n');
