// What a part of a phase cost the processes that did the work: CPU seconds (utime + stime from
// /proc/<pid>/stat, the difference over the part) and peak RSS (VmHWM from /proc/<pid>/status, reset
// at the start of the part by writing "5" to /proc/<pid>/clear_refs, which Linux allows the process's
// owner or root), with the machine's steal time and load. Linux only; elsewhere the figures are 0.
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { processCpuSeconds, stealSeconds } from '../harness.js';
import { mb, round } from '../util.js';

export interface ProcessCost {
  cpuSeconds: number;
  /** Peak RSS in the part; since the process started when it started within the part. */
  peakRssMb: number;
}

export interface PartCost {
  wallSeconds: number;
  /** By role: worker, server, bare worker, service, … (a process gone before the end is left out). */
  processes: Record<string, ProcessCost>;
  /** Time the hypervisor took from this machine's CPUs in the part (all CPUs together). */
  stealSeconds: number;
  /** The 1-minute load average at the end of the part. */
  load: number;
}

/** VmHWM of a process in bytes, or 0 when it cannot be read. */
export function peakRssBytes(pid: number): number {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resets a process's VmHWM to its current RSS; false when the kernel does not let us. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether resetting works for this process: the kernel took the write, and the peak now equals the
 * RSS (it was reset to it). Checked on the server's process when the fleet opens.
 */
export function peakResets(pid: number): boolean {
  if (!resetPeakRss(pid)) return false;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return Math.abs(kb('VmHWM') - kb('VmRSS')) < 1024;
  } catch {
    return false;
  }
}

/** The processes to measure, by role, read again at the end (a worker may be replaced within the part). */
export type Processes = () => Record<string, number | undefined>;

export interface Part {
  /**
   * Counts a process started within the part from now on only (its start, such as a worker bundling
   * its workflow code, is not the part's work).
   */
  from(pid: number): void;
  stop(): PartCost;
}

/** Starts measuring a part now; `stop` gives what it cost. */
export function startPart(processes: Processes): Part {
  const t0 = performance.now();
  const steal0 = stealSeconds();
  const cpu0 = new Map<number, number>();
  const from = (pid: number) => {
    cpu0.set(pid, processCpuSeconds(pid));
    resetPeakRss(pid);
  };
  for (const pid of Object.values(processes())) if (pid !== undefined) from(pid);
  return {
    from,
    stop(): PartCost {
      const costs: Record<string, ProcessCost> = {};
      for (const [role, pid] of Object.entries(processes())) {
        if (pid === undefined) continue;
        const peak = peakRssBytes(pid);
        if (peak === 0) continue; // gone
        // A process started within the part and not counted `from` a moment: all its CPU time is the part's.
        costs[role] = { cpuSeconds: round(processCpuSeconds(pid) - (cpu0.get(pid) ?? 0), 1), peakRssMb: mb(peak) };
      }
      return {
        wallSeconds: round((performance.now() - t0) / 1000),
        processes: costs,
        stealSeconds: round(stealSeconds() - steal0, 1),
        load: round(loadavg()[0]!),
      };
    },
  };
}
