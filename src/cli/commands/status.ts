import type { Register } from '../main.js';

/** `indexer status`: not built yet (placeholder so the program wires up). */
export const registerStatus: Register = () => {};
