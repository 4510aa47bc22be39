import type { Register } from '../main.js';

/** `indexer scan`: not built yet (placeholder so the program wires up). */
export const registerScan: Register = () => {};
