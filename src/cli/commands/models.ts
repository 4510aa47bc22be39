import type { Register } from '../main.js';

/** `indexer models`: not built yet (placeholder so the program wires up). */
export const registerModels: Register = () => {};
