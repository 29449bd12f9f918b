/**
 * Entry point of the bundled CLI (scripts/bundle.mjs → dist/portcullis.bundle.js, run by
 * bin/portcullis.cjs): the command line and, for the replay benchmark's child process, the
 * replay driver it measures.
 */
export { main } from './main.js';
export { runReplay } from './replay.js';
