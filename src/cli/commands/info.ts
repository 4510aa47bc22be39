import type { Register } from '../main.js';

/** `indexer info`: not built yet (placeholder so the program wires up). */
export const registerInfo: Register = () => {};
