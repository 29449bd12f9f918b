/**
 * TCP (RFC 9293): a rebindable zero-copy {@link TcpView}, option parsing without allocation and
 * a {@link TcpRepr} for emit, tests and the control plane.
 */

/** Length of a TCP header without options (RFC 9293 §3.1). */
export const TCP_HEADER_LENGTH = 20;
/** Largest TCP header: data offset 15 (RFC 9293 §3.1). */
export const TCP_MAX_HEADER_LENGTH = 60;
/** Most option bytes a TCP header can carry. */
export const TCP_MAX_OPTIONS_LENGTH = 40;

/** TCP option kinds (RFC 9293 §3.2, RFC 7323, RFC 2018). */
export const TCP_OPT_EOL = 0;
export const TCP_OPT_NOP = 1;
export const TCP_OPT_MSS = 2;
export const TCP_OPT_WINDOW_SCALE = 3;
export const TCP_OPT_SACK_PERMITTED = 4;
export const TCP_OPT_SACK = 5;
export const TCP_OPT_TIMESTAMP = 8;
