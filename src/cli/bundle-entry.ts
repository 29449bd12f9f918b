/**
 * Entry point of the bundled CLI (scripts/bundle.mjs → dist/portcullis.cjs, run by bin/portcullis.js): the command line
 * and, for the replay benchmark's child process, the replay driver it measures.
 */
export { main } from './main.js';
export { runReplay } from './replay.js';
