/**
 * `indexer doctor`: what this machine gives the indexer, where that changes speed or what it can read. Needs no
 * catalog. Today: the HEIF decoder (native libheif through Debian's `vips`, or the WebAssembly fallback, which is
 * about twice as slow and reads no 10-bit files) and the size from which search uses its approximate index.
 */
import type { Command } from 'commander';
import { describeHeifDecoder, heifDecoder } from '../../extract/heif-native.js';
import { thresholdFrom } from '../../search/ann-store.js';
import { globalOptions } from '../env.js';
import type { Register } from '../main.js';

export const registerDoctor: Register = (program, cli, wrap) => {
  program
    .command('doctor')
    .description('show which decoders and search paths this machine uses')
    .action(
      wrap(async (_opts: unknown, cmd: Command) => {
        const heif = heifDecoder(cli.env);
        const threshold = thresholdFrom(cli.env);
        if (globalOptions(cmd).json) {
          cli.stdout.write(
            JSON.stringify({ heifDecoder: { kind: heif.kind, detail: describeHeifDecoder(heif, cli.env) }, searchIndexFrom: threshold }) + '\n',
          );
        } else {
          cli.stdout.write(`HEIC/HEIF decoder: ${describeHeifDecoder(heif, cli.env)}\n`);
          cli.stdout.write(
            `search: every embedding is scanned below ${threshold.toLocaleString('en')} per model; from there an approximate index answers (--exact scans)\n`,
          );
        }
        return 0;
      }),
    );
};
