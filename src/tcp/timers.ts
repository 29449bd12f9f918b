/**
 * The timers of each connection: one retransmission-class timer (retransmission, RFC 6298 §5,
 * or persist, RFC 9293 §3.8.6.1) and one state timer (SYN_RECEIVED, FIN_WAIT_2 and TIME_WAIT
 * timeouts, or the idle timer of a synchronized connection). Deadlines are absolute `nowMs`
 * values (Infinity: disarmed); the endpoint scans them in `poll`. `earliestMs` is a lower
 * bound of every armed deadline, kept exact lazily: disarming or moving the earliest timer
 * later only marks it dirty, and {@link TcpTimers.nextDeadline} rescans then.
 */
import { TIMER_NONE } from './constants.js';

/** Deadlines of every connection. */
export class TcpTimers {
  /** Retransmission or persist deadline. */
  readonly rtxAt: Float64Array;
  /** TIMER_* kind of `rtxAt`. */
  readonly rtxKind: Uint8Array;
  /** State timer deadline. */
  readonly stateAt: Float64Array;
  /** The application's deadline (its HTTP timeouts), kept on the same clock. */
  readonly appAt: Float64Array;
  /** A lower bound of every armed deadline; exact unless `dirty`. */
  earliestMs = Infinity;
  /** A timer was disarmed or moved later since `earliestMs` was computed. */
  dirty = false;

  constructor(capacity: number) {
    this.rtxAt = new Float64Array(capacity).fill(Infinity);
    this.rtxKind = new Uint8Array(capacity);
    this.stateAt = new Float64Array(capacity).fill(Infinity);
    this.appAt = new Float64Array(capacity).fill(Infinity);
  }

  /** Arms (or, with Infinity, disarms) the application's deadline of `c`. */
  armApp(c: number, atMs: number): void {
    if (this.appAt[c] === this.earliestMs && atMs > this.earliestMs) this.dirty = true;
    this.appAt[c] = atMs;
    if (atMs < this.earliestMs) this.earliestMs = atMs;
  }

  /** Arms the retransmission-class timer of `c` at `atMs` with kind `kind` (TIMER_RTX or TIMER_PERSIST). */
  armRtx(c: number, atMs: number, kind: number): void {
    if (this.rtxAt[c] === this.earliestMs && atMs > this.earliestMs) this.dirty = true;
    this.rtxAt[c] = atMs;
    this.rtxKind[c] = kind;
    if (atMs < this.earliestMs) this.earliestMs = atMs;
  }

  /** Disarms the retransmission-class timer of `c`. */
  disarmRtx(c: number): void {
    if (this.rtxAt[c] === this.earliestMs) this.dirty = true;
    this.rtxAt[c] = Infinity;
    this.rtxKind[c] = TIMER_NONE;
  }

  /** Arms the state timer of `c` at `atMs`. */
  armState(c: number, atMs: number): void {
    if (this.stateAt[c] === this.earliestMs && atMs > this.earliestMs) this.dirty = true;
    this.stateAt[c] = atMs;
    if (atMs < this.earliestMs) this.earliestMs = atMs;
  }

  /** Disarms both timers of a released connection. */
  clear(c: number): void {
    this.dirty = true;
    this.rtxAt[c] = Infinity;
    this.stateAt[c] = Infinity;
    this.appAt[c] = Infinity;
  }

  /** Earliest armed deadline of the connections `active[0, count)` (Infinity if none). May be early, never late. */
  nextDeadline(active: Int32Array, count: number): number {
    if (count === 0) return Infinity;
    if (this.dirty) {
      let e = Infinity;
      for (let i = 0; i < count; i++) {
        const c = active[i]!;
        const a = this.rtxAt[c]!, b = this.stateAt[c]!, d = this.appAt[c]!;
        if (a < e) e = a;
        if (b < e) e = b;
        if (d < e) e = d;
      }
      this.earliestMs = e;
      this.dirty = false;
    }
    return this.earliestMs;
  }

  /** Starts a scan at `nowMs`: false if nothing is due yet; else the bound is rebuilt by {@link note}. */
  beginScan(nowMs: number): boolean {
    if (nowMs < this.earliestMs) return false;
    this.earliestMs = Infinity;
    this.dirty = false;
    return true;
  }

  /** Folds the deadlines of `c` into the bound after a scan visited it. */
  note(c: number): void {
    const a = this.rtxAt[c]!, b = this.stateAt[c]!, d = this.appAt[c]!;
    if (a < this.earliestMs) this.earliestMs = a;
    if (b < this.earliestMs) this.earliestMs = b;
    if (d < this.earliestMs) this.earliestMs = d;
  }
}
