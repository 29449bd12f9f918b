/**
 * A control-plane question to the packet path's rules, asked without a packet: would a new TCP
 * connection from a client host to a destination pass the interface ACLs as the host's own SYN
 * would? The explicit proxy (`src/login/explicit-proxy.ts`) asks it before it connects on a
 * user's behalf: its own connections leave from the gateway's address and never cross the
 * packet path, so without the question a user could reach through the proxy what the access
 * lists keep the host from.
 *
 * The same steps as `verdict.ts`'s `filter` for a SYN: the host's interface (its cache entry's,
 * else reverse-path lookup), that interface's inbound list with the host's downloaded entries if
 * it is authenticated, then the outbound list of the destination's interface. The classification
 * counts as the packet's would (the proxy's connection is the host's, in the match counts and
 * `log` lines). The source port is {@link QUERY_SOURCE_PORT}, the first ephemeral port (RFC 6335
 * §6): the proxy's real port is the kernel's choice. A destination that is the gateway's own
 * address is refused (the packet path would hand it to the host stack, past every list), as is
 * a pair of addresses of different families, and so is any destination that names the gateway
 * host itself to the proxy's socket though no interface holds it: the unspecified "this host"
 * addresses (0.0.0.0/8, RFC 1122 §3.2.1.3 (a)/(b); `::`, RFC 4291 §2.5.2), which the kernel
 * connects to the local host, loopback (127/8, RFC 1122 §3.2.1.3 (g); `::1`, RFC 4291
 * §2.5.3), where the gateway's own services listen, and link-local (169.254/16, RFC 3927 §7;
 * fe80::/10, RFC 4291 §2.5.6), the gateway's own links (a cloud's metadata service at
 * 169.254.169.254 among them) — the last two unless a configured interface is on that network.
 * A host's packet to any of them never leaves it through the gateway (a router forwards none),
 * so no ACL can have meant to permit it. Allocates: control plane only.
 */
import { PacketMeta, IPPROTO_TCP, TCP_FLAG_SYN } from '../wire/packet.js';
import { ACL_PERMIT } from '../acl/api.js';
import { AP_STATE_HTTP_ESTAB } from '../authproxy/states.js';
import type { EngineState } from './state.js';

/** The source port a queried connection is classified with. */
export const QUERY_SOURCE_PORT = 49152;

/** True if a TCP connection from `client` to `dst`:`dstPort` passes the ACLs (four words each, IPv4-mapped for IPv4). */
export function permitsConnection(s: EngineState, client: Uint32Array, dst: Uint32Array, dstPort: number, nowMs: number): boolean {
  const v4 = isMapped(client);
  if (v4 !== isMapped(dst)) return false;
  const meta = new PacketMeta();
  meta.ipVersion = v4 ? 4 : 6;
  meta.srcAddr.set(client);
  meta.dstAddr.set(dst);
  meta.src4 = v4 ? client[3]! : 0;
  meta.dst4 = v4 ? dst[3]! : 0;
  meta.proto = IPPROTO_TCP;
  meta.srcPort = QUERY_SOURCE_PORT;
  meta.dstPort = dstPort;
  meta.tcpFlags = TCP_FLAG_SYN;
  // Not `resolve`: its fixed ingress is the last packet's, and its results are the packet path's.
  const itf = s.interfaces;
  if (itf.isOwnAddress(dst) || isThisHost(dst, v4)) return false;
  if ((isLoopback(dst, v4) || isLinkLocal(dst, v4)) && itf.connectedInterfaceOf(dst) < 0) return false;
  const host = s.cache.lookup(client);
  const ingress = host >= 0 ? s.cache.ifIndex[host]! : itf.interfaceOf(client);
  const egress = itf.interfaceOf(dst);
  if (ingress < 0) return false;
  const inList = v4 ? itf.aclIn4[ingress]! : itf.aclIn6[ingress]!;
  const authed = host >= 0 && s.cache.state[host] === AP_STATE_HTTP_ESTAB;
  if (inList >= 0 && s.acls.classify(inList, meta, authed, nowMs) !== ACL_PERMIT) return false;
  if (egress >= 0) {
    const outList = v4 ? itf.aclOut4[egress]! : itf.aclOut6[egress]!;
    if (outList >= 0 && s.acls.classify(outList, meta, false, nowMs) !== ACL_PERMIT) return false;
  }
  return true;
}

/** 0.0.0.0/8 or `::`: "this host" to the proxy's own socket. */
function isThisHost(w: Uint32Array, v4: boolean): boolean {
  return v4 ? w[3]! >>> 24 === 0 : (w[0]! | w[1]! | w[2]! | w[3]!) === 0;
}

/** 127.0.0.0/8 or `::1`. */
function isLoopback(w: Uint32Array, v4: boolean): boolean {
  return v4 ? w[3]! >>> 24 === 127 : (w[0]! | w[1]! | w[2]!) === 0 && w[3] === 1;
}

/** 169.254.0.0/16 or fe80::/10. */
function isLinkLocal(w: Uint32Array, v4: boolean): boolean {
  return v4 ? w[3]! >>> 16 === 0xa9fe : w[0]! >>> 22 === 0x3fa;
}

function isMapped(w: Uint32Array): boolean {
  return w[0] === 0 && w[1] === 0 && w[2] === 0xffff;
}
