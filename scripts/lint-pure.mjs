#!/usr/bin/env node
// The pure-core rule as a lint check (DESIGN.md §3, HOUSE-STYLE.md "Layout and the dependency rule"):
// src/errors.ts, src/ios, src/table, src/wire, src/flow, src/acl, src/tcp, src/authproxy and src/engine
// do no I/O, read no clock, draw no random numbers, set no timers and never await; and they import
// only downwards — type-only imports included: a type from an upper layer ties the lower one to it
// just the same (the engine takes an EngineSettings, not the parsed Config). There is no
// whitelist: a module every layer needs lives in the lowest layers (errors, ios).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
// Layer of each pure directory (for errors, src/errors.ts and src/errors/); a module may import
// from its own directory or from a lower layer.
const LAYER = { errors: -2, ios: -1, table: 0, wire: 0, flow: 1, acl: 1, tcp: 2, authproxy: 2, engine: 3 };

const FORBIDDEN = [
  [/\bDate\.now\s*\(/, 'reads the clock (Date.now); take nowMs as an argument'],
  [/\bnew\s+Date\s*\(\s*\)/, 'reads the clock (new Date()); take nowMs as an argument'],
  [/\bperformance\.now\s*\(/, 'reads the clock (performance.now)'],
  [/\bprocess\.hrtime/, 'reads the clock (process.hrtime)'],
  [/\bMath\.random\s*\(/, 'draws random numbers; use the injected seeded source'],
  [/\bcrypto\.(randomBytes|randomUUID|getRandomValues|randomInt)\b/, 'draws random numbers'],
  [/\b(setTimeout|setInterval|setImmediate|queueMicrotask)\s*\(/, 'sets a timer; report nextDeadline() instead'],
  [/\bawait\b/, 'awaits; the pure core is synchronous'],
  [/\basync\s+(function\b|\(|[A-Za-z_$][\w$]*\s*\()/, 'declares an async function'],
  [/\brequire\s*\(/, 'uses require()'],
  [/\bconsole\./, 'writes to the console; emit an event or count instead'],
  [/\bprocess\./, 'touches the process (env, stdout, exit …)'],
  [/\bfetch\s*\(/, 'does network I/O'],
];

function statSafe(p) {
  try { return statSync(p).isFile(); } catch { return false; }
}

function walk(dir, out) {
  let names;
  try { names = readdirSync(dir); } catch { return out; }
  for (const n of names) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Removes comments and string contents so that prose about Date.now() is not flagged. */
function stripCommentsAndStrings(src) {
  let out = '';
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i], d = src[i + 1];
    if (c === '/' && d === '/') { while (i < n && src[i] !== '\n') i++; continue; }
    if (c === '/' && d === '*') {
      i += 2;
      while (i < n && !(src[i] === '*' && src[i + 1] === '/')) { if (src[i] === '\n') out += '\n'; i++; }
      i += 2; continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      const q = c; out += q; i++;
      while (i < n && src[i] !== q) { if (src[i] === '\\') i++; else if (src[i] === '\n') out += '\n'; i++; }
      out += q; i++; continue;
    }
    out += c; i++;
  }
  return out;
}

/** The pure module a project path belongs to: `src/DIR/…` → DIR, `src/errors.ts` → errors. */
function moduleOf(relPath) {
  const parts = relPath.split('/');
  if (parts[0] !== 'src') return undefined;
  return parts.length === 2 ? parts[1].replace(/\.ts$/, '') : parts[1];
}

const problems = [];
let files = 0;
for (const layerDir of Object.keys(LAYER)) {
  const single = join(root, 'src', `${layerDir}.ts`);
  const inLayer = [...(statSafe(single) ? [single] : []), ...walk(join(root, 'src', layerDir), [])];
  for (const file of inLayer) {
    files++;
    const rel = relative(root, file);
    const src = readFileSync(file, 'utf8');
    const code = stripCommentsAndStrings(src);
    const lines = code.split('\n');
    lines.forEach((line, i) => {
      for (const [re, why] of FORBIDDEN) {
        if (re.test(line)) problems.push(`${rel}:${i + 1}: ${why}`);
      }
    });
    // Imports: read them from the original text (module specifiers are strings).
    // `import … from`, `export … from`, bare `import '…'`, and `import('…')` (a type query such as
    // `import('../config/types.js').Config` ties the module to its target like an import does).
    const importRe = /^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
    let m;
    while ((m = importRe.exec(src)) !== null) {
      const spec = m[3] ?? m[4] ?? m[5];
      const lineNo = src.slice(0, m.index + m[0].search(/\S/)).split('\n').length;
      if (spec.startsWith('node:') || !spec.startsWith('.')) {
        problems.push(`${rel}:${lineNo}: imports '${spec}'; the pure core imports only project modules`);
        continue;
      }
      const target = relative(root, resolve(dirname(file), spec)).replace(/\.js$/, '.ts');
      const mod = moduleOf(target);
      const tl = mod === undefined ? undefined : LAYER[mod];
      if (tl === undefined) {
        problems.push(`${rel}:${lineNo}: imports ${target}, outside the pure core`);
      } else if (tl > LAYER[layerDir] || (tl === LAYER[layerDir] && mod !== layerDir)) {
        problems.push(`${rel}:${lineNo}: imports ${target}: src/${layerDir} may import only from lower layers`);
      }
    }
  }
}
if (problems.length > 0) {
  console.error(`pure-core lint: ${problems.length} problem(s):`);
  for (const p of problems) console.error('  ' + p);
  process.exit(1);
}
console.log(`pure-core lint: ${files} files clean`);
