/**
 * Builds the engine's settings (src/engine/settings.ts) from a parsed running-config: the
 * engine is handed what it uses, with times in milliseconds, not the whole `Config`.
 */
import type { Config } from './types.js';
import type { EngineSettings } from '../engine/settings.js';

const MINUTE_MS = 60_000;

/** The IPv4-mapped form (four words) of an IPv4 address. */
function mapped4(address: number): Uint32Array {
  return new Uint32Array([0, 0, 0xffff, address >>> 0]);
}

/** The engine settings of `config`. */
export function engineSettingsOf(config: Config): EngineSettings {
  const ap = config.authProxy;
  return {
    rules: [...config.authProxyRules.values()].map((r) => ({
      name: r.name,
      protoFlags: r.protoFlags,
      protocols: r.protocols.map((p) => ({
        proto: p.proto,
        list: p.list,
        cacheTimeMs: p.authCacheTimeMin === undefined ? undefined : p.authCacheTimeMin * MINUTE_MS,
      })),
    })),
    interfaces: config.interfaces.map((i) => ({
      name: i.name,
      rule: i.authProxy,
      aclIn4: i.accessGroupIn,
      aclOut4: i.accessGroupOut,
      aclIn6: i.ipv6FilterIn,
      aclOut6: i.ipv6FilterOut,
      addresses: [
        ...i.ipv4.map((a) => ({ words: mapped4(a.address), prefixLength: 96 + a.prefixLength })),
        ...i.ipv6.map((a) => ({ words: a.address, prefixLength: a.prefixLength })),
      ],
    })),
    routes: config.routes.map((r) => ({
      words: r.family === 4 ? mapped4(r.network[0]!) : r.network,
      prefixLength: r.family === 4 ? 96 + r.prefixLength : r.prefixLength,
      interface: r.interface,
      nextHop: r.nextHop === undefined ? undefined : r.family === 4 ? mapped4(r.nextHop[0]!) : r.nextHop,
      distance: r.distance,
    })),
    authCacheTimeMs: ap.authCacheTimeMin * MINUTE_MS,
    absoluteTimeMs: ap.absoluteTimeMin * MINUTE_MS,
    maxNodataConns: ap.maxNodataConns,
    halfOpenLimit: ap.halfOpenLimit,
    maxLoginAttempts: ap.maxLoginAttempts,
    watchListEnabled: ap.watchListEnabled,
    watchListExpiryMs: ap.watchListExpiryMin * MINUTE_MS,
    watchListItems: ap.watchListItems,
  };
}
