/**
 * The RADIUS services a running gateway offers besides the login's authentication: accounting
 * of its sessions (src/gateway/accounting.ts) and the RFC 5176 dynamic authorization listener
 * (src/aaa/dynamic-author/server.ts), started from the config and stopped with the gateway —
 * the listener first, then the accounting, whose Stop records the gateway's stop waits for.
 */
import type { RadiusClient } from '../aaa/radius/client.js';
import { startDynamicAuthor, type DynamicAuthorServer } from '../aaa/dynamic-author/server.js';
import { startGatewayAccounting, type GatewayAccounting } from './accounting.js';
import type { Gateway } from './gateway.js';

/** What {@link startAaaServices} started (each undefined when the config asks for none). */
export interface AaaServices {
  readonly accounting: GatewayAccounting | undefined;
  readonly dynamicAuthor: DynamicAuthorServer | undefined;
}

/**
 * Starts accounting (`aaa accounting auth-proxy default …`, through `radius`, the client the
 * login's methods use, so that retransmission state, dead-time and `show aaa servers` are
 * shared, as in IOS) and the dynamic authorization listener (`aaa server radius
 * dynamic-author`) of `gw`, and registers their stop with it. `messages` gets one line each.
 * Throws `AaaConfigError` or `DynamicAuthorListenError`.
 */
export async function startAaaServices(gw: Gateway, radius: RadiusClient, messages: (line: string) => void): Promise<AaaServices> {
  const accounting = startGatewayAccounting(gw, gw.config, radius);
  if (accounting !== undefined) gw.onStop(() => accounting.close(gw.stopError));
  const cfg = gw.config.dynamicAuthor;
  if (cfg === undefined) return { accounting, dynamicAuthor: undefined };
  const da = await startDynamicAuthor({
    ctx: gw, config: cfg, messages,
    onDisconnect: (id, cause) => accounting?.sessions.endingWith(id, cause),
  });
  gw.onStop(() => da.close());
  messages(`portcullis: dynamic authorization (RFC 5176) on UDP port ${da.port} for ${cfg.clients.length} `
    + `client${cfg.clients.length === 1 ? '' : 's'}`);
  return { accounting, dynamicAuthor: da };
}
