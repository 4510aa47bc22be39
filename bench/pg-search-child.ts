/**
 * One search of the `pg-search` benchmark, in a process of its own as `indexer search` runs:
 * `node pg-search-child.js CATALOG CACHE_DIR SEED`. Opens the catalog read-only (a SQLite file or a postgres:// URL,
 * whose connection is prewarmed while the modules load, as the CLI does),
 * then does what `indexer search` does once the query text is embedded (src/search/search.ts: the filter, rank() with
 * the cache dir, describeFiles for the printed rows) with a synthetic text-like query vector. Prints one JSON line:
 * {openMs, searchMs, hits}. The first search of a catalog reads every embedding to build the cache's vector file; the
 * next ones scan that file and read only the candidates' rows.
 */
import { isCatalogUrl } from '../src/catalog/catalog-url.js';
import { prewarmPgBridge } from '../src/catalog/pg/prewarm.js';

const [catalog, cacheDir, seed] = process.argv.slice(2) as [string, string, string];
// As `indexer` does (src/cli/main.ts): a PostgreSQL catalog's connection is made while the modules load.
if (isCatalogUrl(catalog)) prewarmPgBridge(catalog);
const { openCatalog } = await import('../src/catalog/open.js');
const { describeFiles } = await import('../src/catalog/embeddings.js');
const { catalogFilter } = await import('../src/search/candidate-filter.js');
const { rank } = await import('../src/search/rank.js');
const { lcg, modelId, space, textVector } = await import('./search-scale-data.js');
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
