/**
 * Imported by the bridge thread before node-postgres. When loaded, node-postgres asks whether it runs in a Cloudflare
 * Worker: where `navigator` is missing (Node 20) it builds a fetch `Response` to find out, which loads Node's whole
 * fetch implementation (undici), some 30 ms (100 ms on a loaded machine) of every PostgreSQL command's start-up. So
 * the bridge thread, which runs nothing else, says what it is first: as `navigator` does in Node 21 and later.
 */
const scope = globalThis as { navigator?: unknown };
scope.navigator ??= { userAgent: `Node.js/${process.versions.node}` };

export {};
