/**
 * Listening on each of the gateway's inside addresses at one port, as the login service and the
 * explicit proxy do: a server per address (the first with port 0 lets the kernel pick the port
 * the others then take), every accepted socket tracked so that closing destroys them too, and a
 * failed listen turned into the caller's catalogue error with the others closed again.
 */
import type net from 'node:net';
import { once } from 'node:events';
import { errnoOf } from '../errors.js';

/** Servers listening, on `port`. */
export interface Listening {
  readonly port: number;
  /** Destroys every accepted socket and closes the servers. */
  close(): Promise<void>;
}

/**
 * Makes a server per address with `make` and listens on `port` (0: the kernel's choice, then the
 * same for every address); `fail(endpoint, errno, cause)` is the error thrown when one cannot
 * listen (`endpoint` as `10.1.0.1:443` or `[2001:db8::1]:443`).
 */
export async function listenAll(addresses: readonly string[], port: number, make: () => net.Server,
  fail: (endpoint: string, errno: string | undefined, cause: unknown) => Error): Promise<Listening> {
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  let bound = port;
  try {
    for (const address of addresses) {
      const server = make();
      server.on('connection', (s: net.Socket) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      servers.push(server);
      server.listen({ host: address, port: bound });
      try {
        await once(server, 'listening');
      } catch (e) {
        throw fail(`${address.includes(':') ? `[${address}]` : address}:${bound}`, errnoOf(e), e);
      }
      bound = (server.address() as net.AddressInfo).port;
    }
  } catch (e) {
    for (const s of servers) s.close();
    throw e;
  }
  return {
    port: bound,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
