/**
 * The URLs each client asked for on its intercepted connections: the only places the success
 * page sends a browser back to. The login form carries the original URL as a hint, but the
 * service takes it only if this client asked for exactly that URL; anything else in the POST is
 * ignored (no open redirect: the gateway never sends a browser to a URL an attacker wrote into a
 * form). Bounded: a few URLs per client, a few thousand clients, the least recently seen
 * forgotten first.
 */

/** Longest URL remembered (longer requests are served, but not sent back to). */
export const MAX_REMEMBERED_URL = 2048;
/** URLs remembered per client (the most recent ones). */
export const URLS_PER_CLIENT = 8;
/** Clients remembered (the most recently seen ones). */
export const MAX_CLIENTS = 4096;

/** An absolute http(s) URL without credentials, normalised, or undefined. */
export function redirectableUrl(text: string): string | undefined {
  if (text.length > MAX_REMEMBERED_URL) return undefined;
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return undefined;
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username !== '' || u.password !== '') return undefined;
  return u.href.length > MAX_REMEMBERED_URL ? undefined : u.href;
}

/** Per-client URLs asked for on intercepted connections. */
export class RequestedUrls {
  private readonly byClient = new Map<string, string[]>();

  constructor(private readonly maxClients = MAX_CLIENTS, private readonly perClient = URLS_PER_CLIENT) {}

  /** Remembers that `client` (canonical address text) asked for `url` (if it is one that may be sent back to). */
  remember(client: string, url: string): void {
    const href = redirectableUrl(url);
    if (href === undefined) return;
    let list = this.byClient.get(client);
    if (list === undefined) {
      if (this.byClient.size >= this.maxClients) this.byClient.delete(this.byClient.keys().next().value!);
      list = [];
    } else this.byClient.delete(client);
    this.byClient.set(client, list);
    const i = list.indexOf(href);
    if (i >= 0) list.splice(i, 1);
    list.push(href);
    if (list.length > this.perClient) list.shift();
  }

  /**
   * Where to send `client` after its login: `wanted` (the form's hint) if the client asked for
   * exactly that URL, else the last URL it asked for, else undefined.
   */
  pick(client: string, wanted: string | undefined): string | undefined {
    const list = this.byClient.get(client);
    if (list === undefined || list.length === 0) return undefined;
    if (wanted !== undefined) {
      const href = redirectableUrl(wanted);
      if (href !== undefined && list.includes(href)) return href;
    }
    return list[list.length - 1];
  }

  /** The last URL `client` asked for, if any. */
  latest(client: string): string | undefined {
    return this.pick(client, undefined);
  }

  /** Clients remembered. */
  get size(): number {
    return this.byClient.size;
  }
}
