/**
 * Parse fault codes returned by the wire layer (0 = OK). The engine counts drops by these
 * codes; `FAULT_NAMES[code]` is the stable name printed in summaries and metrics.
 */
export const FAULT_OK = 0;
/** Frame shorter than its link-layer header. */
export const FAULT_TRUNCATED_LINK = 1;
/** Link layer carries something other than IPv4/IPv6 (ARP, LLDP, …). Not an error: not IP. */
export const FAULT_NOT_IP = 2;
/** Shorter than the IP header (or than the header length field says). */
export const FAULT_TRUNCATED_IP = 3;
/** IP version nibble does not match the link type / is neither 4 nor 6. */
export const FAULT_BAD_IP_VERSION = 4;
/** IPv4 IHL < 5. */
export const FAULT_BAD_IHL = 5;
/** IP total / payload length smaller than the header. */
export const FAULT_BAD_IP_LENGTH = 6;
/** IPv6 extension header chain runs past the captured bytes or is malformed. */
export const FAULT_BAD_EXT_HEADER = 7;
/** Shorter than the transport header. */
export const FAULT_TRUNCATED_L4 = 8;
/** TCP data offset < 5 or beyond the segment. */
export const FAULT_BAD_TCP_OFFSET = 9;
/** TCP options malformed (length 0/1 or running past the header). */
export const FAULT_BAD_TCP_OPTIONS = 10;
/** UDP length field inconsistent with the IP payload. */
export const FAULT_BAD_UDP_LENGTH = 11;
/** IPv4 header checksum wrong (only checked where the caller asks). */
export const FAULT_BAD_CHECKSUM = 12;
/** Frame larger than the engine's buffers / link MTU. */
export const FAULT_OVERSIZE = 13;

export const FAULT_COUNT = 14;

export const FAULT_NAMES: readonly string[] = [
  'ok',
  'truncated-link',
  'not-ip',
  'truncated-ip',
  'bad-ip-version',
  'bad-ihl',
  'bad-ip-length',
  'bad-ext-header',
  'truncated-l4',
  'bad-tcp-offset',
  'bad-tcp-options',
  'bad-udp-length',
  'bad-checksum',
  'oversize',
];
