/**
 * Round-trip time estimation and the retransmission timeout of each connection (RFC 6298):
 * SRTT and RTTVAR from measurements (one running at a time per connection, timed from when a
 * fresh segment left until its acknowledgement; Karn's rule, §3, is the caller's: a measurement
 * is abandoned when its segment is retransmitted), the RTO clamped to [min, max], and the
 * exponential backoff of §5.5.
 */
export class RttEstimator {
  /** Current retransmission timeout. */
  readonly rtoMs: Float64Array;
  /** Smoothed RTT; negative before the first sample. */
  readonly srttMs: Float64Array;
  readonly rttvarMs: Float64Array;
  /** The sequence number whose acknowledgement ends the running measurement. */
  readonly timedSeq: Uint32Array;
  /** When the running measurement started. */
  readonly timedSinceMs: Float64Array;

  constructor(capacity: number, private readonly initialRtoMs: number, private readonly minRtoMs: number,
    private readonly maxRtoMs: number) {
    this.rtoMs = new Float64Array(capacity);
    this.srttMs = new Float64Array(capacity);
    this.rttvarMs = new Float64Array(capacity);
    this.timedSeq = new Uint32Array(capacity);
    this.timedSinceMs = new Float64Array(capacity);
  }

  /** A new connection: the initial RTO and no sample yet (RFC 6298 §2.1). */
  reset(c: number): void {
    this.rtoMs[c] = this.initialRtoMs;
    this.srttMs[c] = -1;
    this.rttvarMs[c] = 0;
  }

  /** Starts timing the segment that ends at `seq` (its acknowledgement passes `seq`). */
  start(c: number, seq: number, nowMs: number): void {
    this.timedSeq[c] = seq;
    this.timedSinceMs[c] = nowMs;
  }

  /** Ends the running measurement at `nowMs` and takes it as a sample. */
  finish(c: number, nowMs: number): void {
    this.sample(c, nowMs - this.timedSinceMs[c]!);
  }

  /** RFC 6298 §2.2-2.3: SRTT/RTTVAR from one measurement, then RTO clamped to [min, max] (§2.4, §2.5). */
  sample(c: number, rttMs: number): void {
    const r = rttMs > 0 ? rttMs : 0;
    if (this.srttMs[c]! < 0) {
      this.srttMs[c] = r;
      this.rttvarMs[c] = r / 2;
    } else {
      const srtt = this.srttMs[c]!;
      this.rttvarMs[c] = 0.75 * this.rttvarMs[c]! + 0.25 * Math.abs(srtt - r);
      this.srttMs[c] = 0.875 * srtt + 0.125 * r;
    }
    let rto = this.srttMs[c]! + Math.max(1, 4 * this.rttvarMs[c]!);
    if (rto < this.minRtoMs) rto = this.minRtoMs;
    if (rto > this.maxRtoMs) rto = this.maxRtoMs;
    this.rtoMs[c] = rto;
  }

  /** RFC 6298 §5.5: doubles the RTO after a timeout, up to the maximum. */
  backoff(c: number): void {
    const rto = this.rtoMs[c]! * 2;
    this.rtoMs[c] = rto > this.maxRtoMs ? this.maxRtoMs : rto;
  }

  /** The RTO shifted left by `shift` (zero-window probe backoff), capped at the maximum. */
  backedOff(c: number, shift: number): number {
    const back = this.rtoMs[c]! * (1 << shift);
    return back > this.maxRtoMs ? this.maxRtoMs : back;
  }
}
