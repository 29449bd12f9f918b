#!/usr/bin/env node
// Runs every compiled test under dist/test with node:test. Fails when no test file is found,
// when the runner reports zero tests, or when any test was skipped or left as todo: a skipped
// check is not a passing one.
import { readdirSync, statSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const filter = process.argv.slice(2);

function walk(dir, out) {
  let names;
  try { names = readdirSync(dir); } catch { return out; }
  for (const n of names.sort()) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.test.js')) out.push(p);
  }
  return out;
}

let files = walk(join(root, 'dist', 'test'), []);
if (filter.length > 0) files = files.filter((f) => filter.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('run-tests: no test files found under dist/test (did the build run?)');
  process.exit(1);
}
const tmp = mkdtempSync(join(tmpdir(), 'portcullis-tap-'));
const tap = join(tmp, 'out.tap');
const r = spawnSync(process.execPath, [
  '--test', '--test-concurrency=2',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tap}`,
  ...files,
], { stdio: 'inherit', cwd: root });
let text = '';
try { text = readFileSync(tap, 'utf8'); } catch { /* reported below */ }
rmSync(tmp, { recursive: true, force: true });
const count = (k) => { const m = new RegExp(`^# ${k} (\\d+)$`, 'm').exec(text); return m ? Number(m[1]) : NaN; };
const tests = count('tests'), pass = count('pass'), fail = count('fail');
const skipped = count('skipped'), todo = count('todo'), cancelled = count('cancelled');
if (!Number.isFinite(tests)) {
  console.error('run-tests: the test runner produced no summary');
  process.exit(1);
}
console.log(`${pass} passed, ${fail + cancelled} failed`);
if (tests === 0) { console.error('run-tests: no test ran'); process.exit(1); }
if (skipped > 0 || todo > 0) { console.error(`run-tests: ${skipped} skipped and ${todo} todo tests; skipped checks do not pass`); process.exit(1); }
process.exit(r.status === 0 && fail === 0 && cancelled === 0 ? 0 : 1);
