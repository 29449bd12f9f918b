/**
 * Rebuilds `captures/seed-https-authproxy.pcap` from the seed's "HTTPS Authentication Proxy
 * Debug Example" (seed 000): the client 171.69.89.25 opens two connections to the web server
 * 172.16.171.219:80 (source ports 3061 and 3064) with exactly the sequence and acknowledgement
 * numbers, payload lengths and times the debug lines show; between them, the run of
 * `dstport_index=0` packets is the login POST over TLS to the gateway's own address
 * 171.69.89.1:443. The capture holds what the client sent (the proxy's answers are what
 * portcullis produces). Payloads are real HTTP requests of exactly 250 and 431 bytes; the first
 * keeps the connection alive, the second asks to close it (so the proxy closes first:
 * FIN_WAIT). The TLS payloads are well-formed TLS records with opaque contents.
 */
import { CaptureBuilder, httpRequestOfLength, mar1 } from './builder.js';

const CLIENT = '171.69.89.25';
const SERVER = '172.16.171.219';
const GATEWAY = '171.69.89.1';

/** Deterministic filler bytes (a linear congruential sequence). */
function filler(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** A TLS 1.0 record (RFC 2246 §6.2.1) of `type` carrying `n` opaque bytes. */
function tlsRecord(type: number, n: number, seed: number): Uint8Array {
  const r = new Uint8Array(5 + n);
  r[0] = type;
  r[1] = 3;
  r[2] = 1;
  r[3] = n >>> 8;
  r[4] = n & 255;
  r.set(filler(n, seed), 5);
  return r;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export function buildSeedCapture(): CaptureBuilder {
  const b = new CaptureBuilder({ kind: 'ethernet' });
  const t = (s: number, ms: number): number => mar1(21, 18, s, ms);
  const c1 = { src: CLIENT, dst: SERVER, sport: 3061, dport: 80 };
  const get1 = httpRequestOfLength(250, [
    'GET / HTTP/1.1',
    `Host: ${SERVER}`,
    'Accept: */*',
    'Accept-Language: en-us',
    'Connection: Keep-Alive',
  ]);
  b.tcp({ ...c1, timeMs: t(18, 534), flags: 'SYN', seq: 462612879, mss: 1460, sackPermitted: true, window: 16384 });
  b.tcp({ ...c1, timeMs: t(18, 542), flags: 'ACK', seq: 462612880, ack: 3715697587, window: 17520 });
  b.tcp({ ...c1, timeMs: t(18, 542), flags: 'PSH ACK', seq: 462612880, ack: 3715697587, window: 17520, payload: get1 });
  b.tcp({ ...c1, timeMs: t(18, 554), flags: 'ACK', seq: 462613130, ack: 3715698659, window: 17520 });
  b.tcp({ ...c1, timeMs: t(18, 610), flags: 'ACK', seq: 462613130, ack: 3715698746, window: 17520 });
  b.tcp({ ...c1, timeMs: t(18, 766), flags: 'FIN ACK', seq: 462613130, ack: 3715698746, window: 17520 });

  const c2 = { src: CLIENT, dst: SERVER, sport: 3064, dport: 80 };
  const get2 = httpRequestOfLength(431, [
    'GET / HTTP/1.1',
    `Host: ${SERVER}`,
    'Accept: image/gif, image/x-xbitmap, image/jpeg, image/pjpeg, application/vnd.ms-excel, */*',
    'Accept-Language: en-us',
    'Accept-Encoding: gzip, deflate',
    `Referer: http://${SERVER}/`,
    'Cache-Control: no-cache',
    'Connection: close',
  ]);
  b.tcp({ ...c2, timeMs: t(33, 70), flags: 'SYN', seq: 466414843, mss: 1460, sackPermitted: true, window: 16384 });
  b.tcp({ ...c2, timeMs: t(33, 74), flags: 'ACK', seq: 466414844, ack: 1606420512, window: 17520 });
  b.tcp({ ...c2, timeMs: t(33, 78), flags: 'PSH ACK', seq: 466414844, ack: 1606420512, window: 17520, payload: get2 });

  // The login POST over TLS to the gateway's HTTPS service (client port 3065).
  const h = { src: CLIENT, dst: GATEWAY, sport: 3065, dport: 443 };
  const cIsn = 466415901;
  const gIsn = 2415919104;
  const hello = tlsRecord(22, 104, 1);                                     // ClientHello
  const keyx = concat(tlsRecord(22, 134, 2), tlsRecord(20, 1, 3), tlsRecord(22, 32, 4)); // CKE, CCS, Finished
  const post = tlsRecord(23, 380, 5);                                      // the POST, encrypted
  const serverFlight1 = 1186;                                              // ServerHello … Done
  const serverFlight2 = 43;                                                // CCS + Finished
  const serverReply = 1066;                                                // the login result page
  let cs = cIsn + 1;
  b.tcp({ ...h, timeMs: t(33, 90), flags: 'SYN', seq: cIsn, mss: 1460, sackPermitted: true, window: 16384 });
  b.tcp({ ...h, timeMs: t(33, 226), flags: 'ACK', seq: cs, ack: gIsn + 1, window: 17520 });
  b.tcp({ ...h, timeMs: t(33, 546), flags: 'PSH ACK', seq: cs, ack: gIsn + 1, window: 17520, payload: hello });
  cs += hello.length;
  b.tcp({ ...h, timeMs: t(33, 550), flags: 'ACK', seq: cs, ack: gIsn + 1 + serverFlight1, window: 17520 });
  b.tcp({ ...h, timeMs: t(33, 594), flags: 'PSH ACK', seq: cs, ack: gIsn + 1 + serverFlight1, window: 17520, payload: keyx });
  cs += keyx.length;
  b.tcp({ ...h, timeMs: t(33, 594), flags: 'PSH ACK', seq: cs, ack: gIsn + 1 + serverFlight1, window: 17520, payload: post });
  cs += post.length;
  const acked2 = gIsn + 1 + serverFlight1 + serverFlight2;
  b.tcp({ ...h, timeMs: t(33, 598), flags: 'ACK', seq: cs, ack: acked2, window: 17520 });
  b.tcp({ ...h, timeMs: t(33, 706), flags: 'ACK', seq: cs, ack: acked2 + serverReply, window: 17520 });
  b.tcp({ ...h, timeMs: t(33, 810), flags: 'FIN ACK', seq: cs, ack: acked2 + serverReply, window: 17520 });
  b.tcp({ ...h, timeMs: t(33, 810), flags: 'ACK', seq: cs + 1, ack: acked2 + serverReply + 1, window: 17520 });

  // Back on port 3064: the client acknowledges the proxy's page and FIN, then closes.
  b.tcp({ ...c2, timeMs: t(33, 810), flags: 'ACK', seq: 466415275, ack: 1606421496, window: 17520 });
  b.tcp({ ...c2, timeMs: t(33, 838), flags: 'FIN ACK', seq: 466415275, ack: 1606421496, window: 17520 });
  return b;
}
