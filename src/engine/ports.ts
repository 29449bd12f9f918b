/**
 * The intercepted-port table of `AUTH-PROXY:proto_flag=P, dstport_index=I` (spec §2): port
 * index 1 ftp (21), 2 telnet (23), 3 https (443, extension), 4 http (80); 0 for anything else.
 */
import { AP_PROTO_FTP, AP_PROTO_HTTP, AP_PROTO_HTTPS, AP_PROTO_TELNET } from '../authproxy/protocols.js';

/** Number of port indexes, 0 included (the stride of per-rule, per-index tables). */
export const PORT_INDEXES = 5;

/** Index in the intercepted-port table (spec §2) of a destination port, 0 if not configured. */
export function dstportIndex(port: number, protoFlag: number): number {
  switch (port) {
    case 21: return (protoFlag & AP_PROTO_FTP) !== 0 ? 1 : 0;
    case 23: return (protoFlag & AP_PROTO_TELNET) !== 0 ? 2 : 0;
    case 443: return (protoFlag & AP_PROTO_HTTPS) !== 0 ? 3 : 0;
    case 80: return (protoFlag & AP_PROTO_HTTP) !== 0 ? 4 : 0;
    default: return 0;
  }
}

/** AP_PROTO_* bit of each port index (index 0 unused). */
export const PROTO_BIT_OF_INDEX: readonly number[] = [0, AP_PROTO_FTP, AP_PROTO_TELNET, AP_PROTO_HTTPS, AP_PROTO_HTTP];

/** Port index of each AP_PROTO_* bit value. */
export const PORT_INDEX_OF_BIT: readonly number[] = (() => {
  const a: number[] = [];
  a[AP_PROTO_FTP] = 1;
  a[AP_PROTO_TELNET] = 2;
  a[AP_PROTO_HTTPS] = 3;
  a[AP_PROTO_HTTP] = 4;
  return a;
})();

/** Port index of an AP_PROTO_* bit (0 for anything else). */
export function portIndexOfBit(bit: number): number {
  return PORT_INDEX_OF_BIT[bit] ?? 0;
}
