/**
 * Auth-proxy protocol bits: which kinds of connection a rule intercepts, as `debug ip
 * auth-proxy` prints them in `AUTH-PROXY:proto_flag=` (spec §2). A named rule's flag is the OR
 * of the bits of its protocol lines.
 */
export const AP_PROTO_HTTP = 1;
export const AP_PROTO_FTP = 2;
export const AP_PROTO_TELNET = 4;
/** portcullis extension: intercept 443 (`ip auth-proxy name N https`). */
export const AP_PROTO_HTTPS = 8;
