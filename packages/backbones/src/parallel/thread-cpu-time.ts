import { readFileSync } from 'node:fs';

/**
 * CPU time (user + system, ms, 10 ms resolution) used so far by the calling thread, from Linux's
 * `/proc/thread-self/stat`; `undefined` elsewhere. On a shared machine this measures a replica's
 * work independently of how long it waited for a core.
 */
export function threadCpuTimeMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // Fields after the parenthesised command name: state is field 3; utime, stime are fields 14, 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}
