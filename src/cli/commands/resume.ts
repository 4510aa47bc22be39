import type { Register } from '../main.js';

/** `indexer resume`: not built yet (placeholder so the program wires up). */
export const registerResume: Register = () => {};
