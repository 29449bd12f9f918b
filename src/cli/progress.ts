/**
 * A progress bar on stderr for long replays, drawn only when stderr is a terminal, redrawn at
 * most ten times a second.
 */
import { fstatSync } from 'node:fs';
import { writeStderr } from './stdio.js';

export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;

  private constructor(private readonly total: number, private readonly width: number) {}

  /** A bar for `totalBytes`, or null when stderr is not a terminal. */
  static forStderr(totalBytes: number): ProgressBar | null {
    if (totalBytes <= 0 || !stderrMayBeTerminal() || !process.stderr.isTTY) return null;
    return new ProgressBar(totalBytes, Math.max(10, Math.min(50, (process.stderr.columns ?? 80) - 30)));
  }

  /** Redraws for `done` bytes if enough time has passed. */
  update(done: number): void {
    const t = Date.now();
    if (t - this.lastDraw < 100) return;
    this.lastDraw = t;
    const frac = Math.min(1, done / this.total);
    const fill = Math.round(frac * this.width);
    writeStderr(`\r[${'#'.repeat(fill)}${'.'.repeat(this.width - fill)}] ${(frac * 100).toFixed(1).padStart(5)}%`);
    this.drawn = true;
  }

  /** Clears the bar. */
  finish(): void {
    if (this.drawn) writeStderr(`\r${' '.repeat(this.width + 10)}\r`);
  }
}

/**
 * Whether stderr is a character device, as a terminal is. Asking this first spares building
 * `process.stderr` when stderr is a file or a pipe, which loads the Node modules behind it (the
 * pipe's net socket, or the file's synchronous write stream): ~3 ms of a start-up.
 */
function stderrMayBeTerminal(): boolean {
  try {
    return fstatSync(2).isCharacterDevice();
  } catch {
    return false;
  }
}
