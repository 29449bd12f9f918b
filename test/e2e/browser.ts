/**
 * Test helper: Debian's chromium, driven by playwright-core, running inside a network namespace.
 * Playwright starts the executable it is given and talks to it over a pipe; the executable here
 * is a two-line wrapper that enters the namespace (`ip netns exec`, which execs chromium in
 * place, so the pipe and the process are chromium's own). Headless, no sandbox (root), and the
 * flags that keep chromium off the network on its own (node.md: without them its background
 * connections are refused by the machine's closed network); playwright gives it a fresh
 * `--user-data-dir` and removes it on close.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (scripts/ensure-debian-packages.sh installs it). */
export const CHROMIUM = '/usr/bin/chromium';

/** The flags chromium needs on this machine kind (headless is playwright's own). */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
  // Ask for http://ADDRESS/ and get it: no automatic upgrade to https first.
  '--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable',
];

/** Starts chromium inside namespace `ns`; the wrapper script is written into `dir`. */
export async function launchChromiumIn(ns: string, dir: string): Promise<Browser> {
  const wrapper = join(dir, 'chromium-in-namespace');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec '${ns}' ${CHROMIUM} "$@"\n`);
  chmodSync(wrapper, 0o755);
  return chromium.launch({ executablePath: wrapper, headless: true, args: [...CHROMIUM_FLAGS], timeout: 60_000 });
}
