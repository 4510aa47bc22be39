/** What libraries print (console.log arguments) turned into text fit for a failure reason. */
import { describeError } from '../errors.js';

/**
 * One log call's arguments as one line of text, joined by ': ': an error-like object by its message (libheif-js
 * logs its error structs), other objects as JSON unless empty (native handles print as `{}`).
 */
export function formatLogArgs(args: unknown[]): string {
  return args
    .map((a) => {
      if (typeof a === 'string') return a;
      if (a instanceof Error) return describeError(a);
      if (a && typeof a === 'object') {
        const message = (a as { message?: unknown }).message;
        if (typeof message === 'string') return message;
        try {
          const json = JSON.stringify(a);
          return json === '{}' ? '' : json;
        } catch {
          return '';
        }
      }
      return String(a);
    })
    .filter(Boolean)
    .join(': ');
}

