import { readFileSync } from 'node:fs';

/**
 * CPU time (user + system, ms) of one thread or process, from Linux's /proc; null elsewhere.
 * Node 20 has no per-thread CPU clock, and a broker's cost per message in CPU time moves far
 * less with the machine's load than its wall-clock throughput does.
 */
export function cpuMs(pid: number, tid?: number): number | null {
  try {
    const path = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
    const stat = readFileSync(path, 'utf8');
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[11]) + Number(rest[12]);
    // USER_HZ is 100 on every Linux Node supports.
    return Number.isFinite(ticks) ? ticks * 10 : null;
  } catch {
    return null;
  }
}

/** CPU time of this process's main thread (the one running the gateway's broker). */
export const mainThreadCpuMs = (): number | null => cpuMs(process.pid, process.pid);
/**
 * CPU time of this whole process: the broker's thread plus V8's helper threads (concurrent
 * marking, sweeping, optimizing compiles), which at 64 KB payloads add as much again.
 */
export function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
