/**
 * What `show` and `clear` answer: the text of a `show` from a running gateway's state (or, for
 * the commands that need no live state, from a configuration alone), and the effect of a
 * `clear` on the engine. The renderers are src/log's and the ACL runtime's; this module only
 * picks them.
 */
import type { Config } from '../config/types.js';
import type { AclRuntime } from '../acl/api.js';
import type { Engine } from '../engine/engine.js';
import type { GatewayContext } from '../gateway/context.js';
import { ControlNoEntryError, ControlUnavailableError } from '../errors.js';
import { renderShowAuthProxyCache, renderShowAuthProxyStatistics } from '../log/show-cache.js';
import { renderShowAuthProxyConfiguration } from '../log/show-config.js';
import { renderShowAuthProxyWatchList } from '../log/show-watch-list.js';
import { aaaShowState, renderShowAaaServers, type AaaClients } from '../log/show-aaa.js';
import { renderShowProxyStatistics, type ProxyShowState } from '../log/show-proxy.js';
import { formatIpIos } from '../wire/addr.js';
import type { ControlCommand } from './commands.js';

/** What a `show` is answered from: a running gateway (engine and its clock), or a configuration alone (offline). */
export interface ShowSource {
  readonly config: Config;
  readonly acls: AclRuntime;
  /** The running engine; null offline (`show … --config FILE`). */
  readonly engine: Engine | null;
  /** Engine time now (live only). */
  readonly nowMs: number;
  /** The AAA clients (live only, `show aaa servers`). */
  readonly aaa?: AaaClients | undefined;
  /** The explicit proxy (live, with `ip auth-proxy proxy-listener`): its block of `show ip auth-proxy statistics`. */
  readonly proxy?: ProxyShowState | undefined;
}

/** The text of a `show` command (every line ends with a newline). Throws {@link ControlUnavailableError}. */
export function answerShow(cmd: ControlCommand & { kind: 'show-auth-proxy' | 'show-access-lists' | 'show-aaa-servers' },
  src: ShowSource): string {
  if (cmd.kind === 'show-aaa-servers') {
    if (src.aaa === undefined) throw new ControlUnavailableError(cmd.text, 'shows the running gateway\'s AAA clients; without --config it asks the gateway');
    return renderShowAaaServers(aaaShowState(src.config, src.aaa));
  }
  if (cmd.kind === 'show-access-lists') {
    return cmd.family === 'ip' ? src.acls.showIpAccessLists(cmd.name) : src.acls.showIpv6AccessList(cmd.name);
  }
  if (cmd.table === 'configuration') return renderShowAuthProxyConfiguration(src.config);
  const engine = src.engine;
  if (engine === null) {
    throw new ControlUnavailableError(cmd.text, 'shows the running gateway\'s state; without --config it asks the gateway');
  }
  switch (cmd.table) {
    case 'cache':
      return renderShowAuthProxyCache(engine);
    case 'statistics':
      return renderShowAuthProxyStatistics(engine) + (src.proxy === undefined ? '' : renderShowProxyStatistics(src.proxy));
    case 'watch-list':
      return renderShowAuthProxyWatchList(engine, src.nowMs);
  }
}

/**
 * Carries out a `clear`: removes the host's entry (or every entry for `*`) with the engine's
 * removal path — a cache entry's dynamic ACL entries go and its accounting stops; a watch-list
 * entry's host may log in again — and `object-deletion` prints each entry with reason `clear`;
 * then kicks the gateway so that what the removal sent (resets of intercepted connections)
 * leaves. Answers nothing on success, as IOS; throws {@link ControlNoEntryError} for a host the
 * table does not hold.
 */
export function applyClear(cmd: ControlCommand & { kind: 'clear' }, ctx: GatewayContext): string {
  const nowMs = ctx.nowMs();
  const removed = cmd.table === 'cache' ? ctx.engine.clearCache(cmd.host, nowMs) : ctx.engine.clearWatchList(cmd.host, nowMs);
  ctx.kick();
  if (cmd.host !== null && removed === 0) throw new ControlNoEntryError(cmd.table, formatIpIos(cmd.host));
  return '';
}
