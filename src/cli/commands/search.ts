import type { Register } from '../main.js';

/** `indexer search`: not built yet (placeholder so the program wires up). */
export const registerSearch: Register = () => {};
