#!/usr/bin/env node
// Entry point of the `portcullis` command: runs the bundled CLI (scripts/bundle.mjs).
import { main } from '../dist/portcullis.mjs';

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
