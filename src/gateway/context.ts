/**
 * What the parts of a running gateway share (DESIGN.md §4): the configuration, the engine, the
 * engine's clock, the debug-line fan-out and a way to say "the engine has output". Built by the
 * gateway (`src/gateway/gateway.ts`); the HTTPS login service (`src/login`) and the control
 * socket (`src/control`) take one, and their tests build one around an Engine of their own.
 *
 * Everything here runs on the main thread, beside the data plane: the login service and the
 * control socket call the engine directly (authorize a host, clear the cache, set debug flags),
 * then `kick()` so that the packets the engine queued meanwhile (an intercepted connection's
 * answer, a reset) reach the TUN and the engine's next deadline is re-armed.
 */
import type { Config } from '../config/types.js';
import type { Engine } from '../engine/engine.js';

/** A subscriber of debug lines: each call gets one complete line, without its newline. */
export type DebugLineListener = (line: string) => void;

/** Fan-out of the gateway's AUTH-PROXY debug lines (stdout with `run --debug`, control-socket clients). */
export interface DebugLines {
  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: DebugLineListener): () => void;
}

export interface GatewayContext {
  readonly config: Config;
  readonly engine: Engine;
  /** Engine time now: whole milliseconds on the gateway's monotonic timeline. */
  nowMs(): number;
  /** Converts engine time to milliseconds since the epoch (HTTP `Date`, show output). */
  wallClockMs(engineMs: number): number;
  readonly debugLines: DebugLines;
  /**
   * Says that the caller changed engine state outside packet handling: the gateway flushes the
   * engine's transmit queue to the TUN devices and re-arms its timer (on the next turn of the
   * event loop, once however often it is called).
   */
  kick(): void;
}

/**
 * The debug-line fan-out a gateway (or a test) owns: the engine's debug sink writes formatted
 * lines into {@link DebugLineFanout.write} (an `AuthProxyDebugFormatter` writer: one call per
 * line, newline included), and every subscriber gets each line without its newline, in order.
 * Listeners run inside packet handling, so they must not throw and should only queue the line.
 */
export class DebugLineFanout implements DebugLines {
  private listeners: DebugLineListener[] = [];

  /** Adds a listener; returns the function that removes it (calling it twice is harmless). */
  subscribe(listener: DebugLineListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Number of listeners now subscribed. */
  get subscriberCount(): number {
    return this.listeners.length;
  }

  /** Hands one line (with or without its trailing newline) to every listener. */
  readonly write = (line: string): void => {
    const text = line.endsWith('\n') ? line.slice(0, -1) : line;
    // The array is replaced, never mutated, on (un)subscribe: a listener removed during delivery
    // still gets this line, one added gets the next.
    for (const l of this.listeners) l(text);
  };
}
