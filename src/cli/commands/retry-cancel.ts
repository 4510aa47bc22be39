import type { Register } from '../main.js';

/** `indexer retry` / `indexer cancel`: not built yet (placeholder so the program wires up). */
export const registerRetry: Register = () => {};
export const registerCancel: Register = () => {};
