#!/usr/bin/env node
'use strict';
// Entry point of the `portcullis` command: runs the bundled CLI (scripts/bundle.mjs) through
// the code-cache loader (bin/bundle-loader.cjs).
const { loadBundle } = require('./bundle-loader.cjs');

const { main } = loadBundle().exports;
// Everything the CLI prints is written synchronously, so it exits as soon as it is done rather
// than waiting on whatever the loader left in flight (a file close, measured ~13 ms).
main(process.argv.slice(2)).then((code) => process.exit(code));
