#!/usr/bin/env node
// Thin launcher: all logic lives in dist/ (built by `npm run build`).
import { main } from '../dist/src/cli/main.js';

main(process.argv).then((code) => {
  process.exitCode = code;
});
