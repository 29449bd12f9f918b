/**
 * CPU time of the main thread alone, from Linux's per-thread accounting
 * (`/proc/self/task/PID/stat`, utime + stime, in clock ticks of 10 ms): what work left the event
 * loop's thread shows as, whatever else the machine runs (wall-clock measures such as the event
 * loop's utilisation grow with the machine's load; CPU time does not).
 */
import { readFileSync } from 'node:fs';

/** The main thread's CPU time so far, in milliseconds (10 ms resolution). */
export function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  // Fields after the command name (which may hold blanks, so split after its closing parenthesis).
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command name.
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** The whole process's CPU time so far (every thread: the thread pool and workers too), in milliseconds. */
export function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
