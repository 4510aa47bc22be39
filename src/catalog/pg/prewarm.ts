/**
 * Starting a PostgreSQL connection costs a command about 0.2 s before its first statement: the bridge thread boots
 * (a V8 isolate), loads node-postgres, and connects (a TLS offer first, as libpq does). The CLI calls
 * prewarmPgBridge() as its first act when the catalog is a URL (src/cli/main.ts), so all that overlaps with loading
 * commander, the command and its modules; the catalog's PgDb then takes the connected bridge instead of starting
 * one. The same pattern as the scan's walker thread (src/scan/walker-spawn.ts).
 *
 * The one spare is module state on purpose: it is created before anything else exists to hold it.
 */
import { Bridge } from './bridge.js';

let spare: { url: string; bridge: Bridge } | null = null;

/** Starts the bridge thread for `url` and its connect, without waiting. It never keeps the process alive. */
export function prewarmPgBridge(url: string): void {
  if (spare !== null) return;
  const bridge = new Bridge(url);
  bridge.post({ op: 'connect' });
  spare = { url, bridge };
}

/** The prewarmed bridge for `url`, its connect already asked for (wait with `answer`); null when there is none. */
export function takePgBridge(url: string): Bridge | null {
  const s = spare;
  spare = null;
  if (s === null) return null;
  if (s.url === url) return s.bridge;
  s.bridge.terminate();
  return null;
}
