#!/usr/bin/env node
// Thin launcher: all logic lives in dist/ (built by `npm run build`).
import { main } from '../dist/src/cli/main.js';

// `indexer status | head` closes the pipe early: that is the reader's choice, not a failure.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
