/**
 * The policy routing of a live gateway (DESIGN.md §4, `recipes/tun-gateway.md` extended from one
 * TUN device to one per interface): every packet the host would forward is handed to the data
 * plane through the TUN device of the interface it came in on, so the engine knows the ingress
 * interface exactly; what the data plane writes back into a TUN device arrives with `iif` that
 * device, matches none of these rules, and is routed on by the main table. Traffic to the
 * gateway's own addresses (the HTTPS login service) is delivered by the `local` table (rule
 * priority 0) and never enters a TUN device.
 *
 * Per configured interface i (config order), for IPv4 and IPv6 alike:
 *
 *     ip rule add iif IF lookup TABLE priority 7100+i   TABLE = 7100+i
 *     ip rule add iif IF prohibit priority 7300+i
 *     ip route replace default dev TUN table TABLE
 *
 * **Fail closed.** The `prohibit` rules follow the lookup rules: while the data plane runs, the
 * table's default route takes every packet; when it stops (or dies: a TUN device is not
 * persistent, so its route goes with the process) the lookup finds no route, falls through, and
 * the host refuses to forward (ICMP "administratively prohibited"; `ip route get` says
 * "prohibited"), instead of forwarding unfiltered through the main table. `run` therefore leaves
 * the prohibit rules in place when it stops; only `portcullis routes --remove` takes them away.
 *
 * Identification: portcullis owns the rule priorities 7100-7499 and the tables 7100-7299 (at
 * most {@link MAX_INTERFACES} interfaces) in both families, whatever they hold. Installing is
 * idempotent — a rule already in place stays, a rule of that range that the configuration does
 * not call for (a crashed run's, an older configuration's) is deleted, and a table of that range
 * left with routes is flushed — so `run` after a crash, and `run` twice, converge to the same
 * state without a moment with fewer prohibit rules than needed.
 *
 * Sysctls: forwarding on (IPv4 and IPv6), and reverse-path filtering off on the TUN devices
 * (`net.ipv4.conf.all.rp_filter` too, since the kernel applies the larger of `all` and the
 * device's value): a packet written back into a TUN device carries a source the main table
 * routes out of another interface, which strict reverse-path filtering would drop.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Config } from '../config/types.js';
import { HostNetworkError } from '../errors.js';
import { commandFailure } from './links.js';

/** Lowest rule priority portcullis uses (the lookup rule of the first interface). */
export const RULE_PRIORITY_FIRST = 7100;
/** Priority of interface i's lookup rule: 7100 + i. */
export const RULE_PRIORITY_LOOKUP = 7100;
/** Priority of interface i's prohibit rule: 7300 + i (after every lookup rule). */
export const RULE_PRIORITY_PROHIBIT = 7300;
/** One past the highest priority portcullis uses. */
export const RULE_PRIORITY_END = 7500;
/** Table of interface i: 7100 + i. */
export const TABLE_FIRST = 7100;
/** Most configured interfaces the numbering has room for. */
export const MAX_INTERFACES = 200;

/** Linux IFNAMSIZ - 1: the longest interface name. */
const IFNAME_MAX = 15;
const TUN_PREFIX = 'pc-';

/**
 * The TUN device of interface `name`: `pc-NAME` when that fits Linux's 15 bytes (names up to
 * 12 bytes), else `pc-` + the name's first 7 bytes + `-` + 4 hex digits of its FNV-1a hash, so
 * that long names sharing a beginning still get distinct devices (e.g. `enp0s31f6` →
 * `pc-enp0s31f6`, `wlx00c0ca9a1b2c` → `pc-wlx00c0-8b6f`).
 */
export function tunNameFor(name: string): string {
  const whole = TUN_PREFIX + name;
  if (Buffer.byteLength(whole) <= IFNAME_MAX) return whole;
  let h = 0x811c9dc5;
  for (const b of Buffer.from(name)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  const head = Buffer.from(name).subarray(0, 7).toString('latin1');
  return `${TUN_PREFIX}${head}-${(h & 0xffff).toString(16).padStart(4, '0')}`;
}

/** One interface's part of the routing. */
export interface RoutedInterface {
  /** The Linux device (the config's `interface NAME`). */
  readonly name: string;
  /** Its TUN device. */
  readonly tun: string;
  readonly table: number;
  readonly lookupPriority: number;
  readonly prohibitPriority: number;
}

/** The routing of a configuration. */
export interface RoutingPlan {
  readonly interfaces: readonly RoutedInterface[];
}

/** The routing for `config`'s interfaces. Throws {@link HostNetworkError} past {@link MAX_INTERFACES}. */
export function routingPlan(config: Config): RoutingPlan {
  if (config.interfaces.length > MAX_INTERFACES) {
    throw new HostNetworkError('policy routing', `${config.interfaces.length} interfaces; at most ${MAX_INTERFACES} are supported`);
  }
  const tuns = new Map<string, string>();
  const interfaces = config.interfaces.map((itf, i) => {
    const tun = tunNameFor(itf.name);
    const other = tuns.get(tun);
    if (other !== undefined) throw new HostNetworkError('policy routing', `interfaces ${other} and ${itf.name} would share TUN device ${tun}`);
    tuns.set(tun, itf.name);
    return {
      name: itf.name, tun, table: TABLE_FIRST + i,
      lookupPriority: RULE_PRIORITY_LOOKUP + i, prohibitPriority: RULE_PRIORITY_PROHIBIT + i,
    };
  });
  return { interfaces };
}

/** IP families whose rules are installed: IPv4, and IPv6 where the kernel has it. */
export type Family = 4 | 6;

/** Whether the kernel has IPv6 (not booted with ipv6.disable=1). */
export function hostHasIpv6(): boolean {
  return existsSync('/proc/sys/net/ipv6');
}

function familyArgs(f: Family): string[] {
  return f === 6 ? ['-6'] : [];
}

/** A policy rule of ours, as added and as compared with what the kernel lists. */
interface Rule {
  readonly family: Family;
  readonly priority: number;
  readonly iif: string;
  /** A table number, or undefined for `prohibit`. */
  readonly table: number | undefined;
}

function rulesOf(plan: RoutingPlan, families: readonly Family[], withLookup: boolean): Rule[] {
  const rules: Rule[] = [];
  for (const f of families) {
    for (const i of plan.interfaces) {
      rules.push({ family: f, priority: i.prohibitPriority, iif: i.name, table: undefined });
      if (withLookup) rules.push({ family: f, priority: i.lookupPriority, iif: i.name, table: i.table });
    }
  }
  return rules;
}

function ruleArgs(verb: 'add' | 'del', r: Rule): string[] {
  return [...familyArgs(r.family), 'rule', verb, 'iif', r.iif,
    ...(r.table === undefined ? ['prohibit'] : ['lookup', String(r.table)]), 'priority', String(r.priority)];
}

function routeArgs(f: Family, i: RoutedInterface): string[] {
  return [...familyArgs(f), 'route', 'replace', 'default', 'dev', i.tun, 'table', String(i.table)];
}

/** The sysctls the routing needs, as (key, value); `tuns` adds each device's rp_filter. */
function sysctlsOf(plan: RoutingPlan, families: readonly Family[]): [string, string][] {
  const s: [string, string][] = [['net.ipv4.ip_forward', '1']];
  if (families.includes(6)) s.push(['net.ipv6.conf.all.forwarding', '1']);
  s.push(['net.ipv4.conf.all.rp_filter', '0']);
  for (const i of plan.interfaces) s.push([`net.ipv4.conf.${i.tun}.rp_filter`, '0']);
  return s;
}

/**
 * The commands that install `plan`, as an operator would type them (`portcullis routes`): the
 * sysctls, the prohibit rules, the lookup rules, then each table's default route — which needs
 * the TUN devices, so it works only while `run --no-routes` holds them open.
 */
export function installCommands(plan: RoutingPlan, families: readonly Family[]): string[] {
  const lines = sysctlsOf(plan, families).map(([k, v]) => `sysctl -w ${k}=${v}`);
  const rules = rulesOf(plan, families, true);
  for (const r of rules.filter((x) => x.table === undefined)) lines.push(['ip', ...ruleArgs('add', r)].join(' '));
  for (const r of rules.filter((x) => x.table !== undefined)) lines.push(['ip', ...ruleArgs('add', r)].join(' '));
  for (const f of families) for (const i of plan.interfaces) lines.push(['ip', ...routeArgs(f, i)].join(' '));
  return lines;
}

/** Runs `ip ARGS`; throws {@link HostNetworkError}. Returns its standard output. */
function ip(args: readonly string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new HostNetworkError(['ip', ...args].join(' '), commandFailure(e));
  }
}

/** Writes one sysctl through /proc/sys; throws {@link HostNetworkError}. */
function sysctl(key: string, value: string): void {
  const path = `/proc/sys/${key.replace(/\./g, '/')}`;
  try {
    if (readFileSync(path, 'utf8').trim() === value) return;
    writeFileSync(path, value);
  } catch (e) {
    throw new HostNetworkError(`sysctl -w ${key}=${value}`, commandFailure(e));
  }
}

/** Our rules as the kernel lists them now (priorities 7100-7499), in `family`. */
function installedRules(family: Family): Rule[] {
  const list = JSON.parse(ip([...familyArgs(family), '-j', 'rule', 'show'])) as Record<string, unknown>[];
  const rules: Rule[] = [];
  for (const r of list) {
    const priority = r['priority'];
    if (typeof priority !== 'number' || priority < RULE_PRIORITY_FIRST || priority >= RULE_PRIORITY_END) continue;
    const table = r['action'] === 'prohibit' ? undefined : Number(r['table']);
    rules.push({ family, priority, iif: typeof r['iif'] === 'string' ? r['iif'] : '', table });
  }
  return rules;
}

function sameRule(a: Rule, b: Rule): boolean {
  return a.family === b.family && a.priority === b.priority && a.iif === b.iif && a.table === b.table;
}

/** Deletes a listed rule by its priority alone (it may name a device that no longer exists). */
function deleteRule(r: Rule): void {
  ip([...familyArgs(r.family), 'rule', 'del', 'priority', String(r.priority)]);
}

/** Tables of ours (7100-7299) that hold routes now, in `family`. */
function usedTables(family: Family): number[] {
  const list = JSON.parse(ip([...familyArgs(family), '-j', 'route', 'show', 'table', 'all'])) as Record<string, unknown>[];
  const tables = new Set<number>();
  for (const r of list) {
    const t = Number(r['table']);
    if (Number.isInteger(t) && t >= TABLE_FIRST && t < TABLE_FIRST + MAX_INTERFACES) tables.add(t);
  }
  return [...tables];
}

/**
 * Installs the rules of `plan` (prohibit first, then lookup), deleting any other rule of our
 * priority range and flushing tables of ours that `plan` does not use; sets the sysctls except
 * the TUN devices' own (see {@link installTunRoutes}). Idempotent.
 */
export function installRules(plan: RoutingPlan, families: readonly Family[]): void {
  for (const [k, v] of sysctlsOf(plan, families)) if (!plan.interfaces.some((i) => k === `net.ipv4.conf.${i.tun}.rp_filter`)) sysctl(k, v);
  const wanted = rulesOf(plan, families, true);
  for (const f of families) {
    const have = installedRules(f);
    for (const r of have) if (!wanted.some((w) => sameRule(w, r))) deleteRule(r);
    // Prohibit rules before lookup rules: never a moment when a lookup rule stands alone.
    for (const w of wanted.filter((x) => x.family === f && x.table === undefined)) {
      if (!have.some((r) => sameRule(w, r))) ip(ruleArgs('add', w));
    }
    for (const w of wanted.filter((x) => x.family === f && x.table !== undefined)) {
      if (!have.some((r) => sameRule(w, r))) ip(ruleArgs('add', w));
    }
    const tables = new Set(plan.interfaces.map((i) => i.table));
    for (const t of usedTables(f)) if (!tables.has(t)) ip([...familyArgs(f), 'route', 'flush', 'table', String(t)]);
  }
}

/** Points each interface's table at its TUN device (which must be open) and turns off the device's rp_filter. */
export function installTunRoutes(plan: RoutingPlan, families: readonly Family[]): void {
  for (const i of plan.interfaces) sysctl(`net.ipv4.conf.${i.tun}.rp_filter`, '0');
  for (const f of families) for (const i of plan.interfaces) ip(routeArgs(f, i));
}

/**
 * What `run` undoes when it stops: the lookup rules and the tables' routes. The prohibit rules
 * stay (fail closed). Best effort: returns the failures instead of throwing, so that a stop
 * completes.
 */
export function removeLookup(plan: RoutingPlan, families: readonly Family[]): string[] {
  const failures: string[] = [];
  for (const f of families) {
    for (const r of rulesOf(plan, families, true).filter((x) => x.family === f && x.table !== undefined)) {
      try {
        ip(ruleArgs('del', r));
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
    for (const i of plan.interfaces) {
      try {
        ip([...familyArgs(f), 'route', 'flush', 'table', String(i.table)]);
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
  }
  return failures;
}

/**
 * `portcullis routes --remove`: deletes every rule of our priority range and flushes every
 * table of ours, in both families, whatever configuration installed them. Returns the commands
 * it ran. Forwarding between the interfaces is then unfiltered (the host routes as it did before).
 */
export function removeAll(families: readonly Family[]): string[] {
  const done: string[] = [];
  for (const f of families) {
    for (const r of installedRules(f)) {
      deleteRule(r);
      done.push(['ip', ...familyArgs(f), 'rule', 'del', 'priority', String(r.priority)].join(' '));
    }
    for (const t of usedTables(f)) {
      ip([...familyArgs(f), 'route', 'flush', 'table', String(t)]);
      done.push(['ip', ...familyArgs(f), 'route', 'flush', 'table', String(t)].join(' '));
    }
  }
  return done;
}
