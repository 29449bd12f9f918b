/**
 * The packets clients send to the gateway's own login service, seen by the data plane (issue
 * 9 point 2, spec §2): the kernel delivers them to the HTTPS service by its local table, so they
 * never enter a TUN device; a tap (src/io/tap.ts) on each interface with an auth-proxy rule
 * observes those addressed to that interface's own addresses and login ports beside the
 * kernel's path, in batches, and hands each to the engine with its ingress interface — which
 * finds them addressed to the gateway (`to-gateway`) and, with `debug ip auth-proxy detailed`,
 * prints them as the seed's example does (`dstport_index=0`, `Protocol not configured on
 * if_input`). Observed only: the verdict is not acted on and nothing is written anywhere.
 */
import type { Config, InterfaceConfig } from '../config/types.js';
import type { Engine } from '../engine/engine.js';
import { loginTapFilter, openPacketTap, type PacketTap } from '../io/tap.js';
import { TunIoError } from '../errors.js';
import { errnoName } from '../io/tun.js';

/** Packets per read batch. */
const BATCH = 64;

/** What a tap needs of its gateway. */
export interface TapOwner {
  readonly engine: Engine;
  nowMs(): number;
  fail(error: TunIoError): void;
}

/** The ports of the gateway's login service: `ip http secure-port`, and `ip http port` with `ip http server`. */
export function loginPorts(config: Config): number[] {
  const ports = [config.http.securePort];
  if (config.http.server && config.http.port !== config.http.securePort) ports.push(config.http.port);
  return ports;
}

/** One interface's tap and its read loop. */
export class LoginTap {
  private readonly buf: Uint8Array;
  private readonly offsets = new Uint32Array(BATCH);
  private readonly lengths = new Uint32Array(BATCH);

  constructor(readonly tap: PacketTap, readonly ifIndex: number, private readonly owner: TapOwner) {
    this.buf = new Uint8Array(tap.frameMax * 4 + 1);
  }

  start(): void {
    this.tap.onReadable(this.onReadable);
  }

  close(): void {
    this.tap.close();
  }

  private readonly onReadable = (status: number): void => {
    if (status < 0) {
      this.owner.fail(new TunIoError(this.tap.name, 'poll', errnoName(-status)));
      return;
    }
    const n = this.tap.readBatch(this.buf, this.offsets, this.lengths);
    if (n < 0) {
      this.owner.fail(new TunIoError(this.tap.name, 'read', errnoName(-n)));
      return;
    }
    const engine = this.owner.engine;
    const now = this.owner.nowMs();
    const buf = this.buf, offsets = this.offsets, lengths = this.lengths, ifIndex = this.ifIndex;
    for (let i = 0; i < n; i++) engine.handleOn(buf, offsets[i]!, lengths[i]!, ifIndex, 0, now);
  };
}

/** Opens a tap on every interface of `config` with an auth-proxy rule and an address. Throws PacketTapError. */
export function openLoginTaps(config: Config, owner: TapOwner): LoginTap[] {
  const taps: LoginTap[] = [];
  const ports = loginPorts(config);
  try {
    config.interfaces.forEach((itf: InterfaceConfig, i) => {
      if (itf.authProxy === undefined || (itf.ipv4.length === 0 && itf.ipv6.length === 0)) return;
      const filter = loginTapFilter(itf.ipv4.map((a) => a.address), itf.ipv6.map((a) => a.address), ports);
      taps.push(new LoginTap(openPacketTap(itf.name, filter), i, owner));
    });
  } catch (e) {
    for (const t of taps) t.close();
    throw e;
  }
  return taps;
}
