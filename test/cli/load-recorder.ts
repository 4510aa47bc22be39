/**
 * Preload for start-up tests: `NODE_OPTIONS=--import=<this file's URL>` with INDEXER_TEST_LOADED=FILE makes every
 * thread of the child append each module URL it loads to FILE (see load-recorder-hooks.ts).
 */
import { register } from 'node:module';

const out = process.env.INDEXER_TEST_LOADED;
if (out) register('./load-recorder-hooks.js', import.meta.url, { data: { out } });
