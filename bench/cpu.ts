import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of processes, from /proc (Linux): what each part of a topology (the engine, its store,
 * the Temporal server, the simulator) spent while a scenario ran, to see which one is saturated.
 * A process's figure includes its children (PostgreSQL's backends are children of the postmaster),
 * counted as they run, not only once they are reaped.
 */
export interface CpuMeter {
  /** Seconds of CPU (user + system) each named process tree used since the meter started. */
  read(): Record<string, number>;
}

const TICKS_PER_SECOND = 100;

/** utime + stime of one process, in clock ticks; 0 once it is gone. */
function ticksOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** The live descendants of `pid` (PostgreSQL's backends, a CLI's server), found by their parent ids. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Gone meanwhile.
    }
  }
  const found: number[] = [];
  const walk = (p: number) => (parents.get(p) ?? []).forEach((c) => (found.push(c), walk(c)));
  walk(pid);
  return found;
}

/**
 * Meters named process trees. Children that come and go between readings (a backend per
 * connection) are summed as last seen: it polls twice a second to keep that close.
 */
export function cpuMeter(trees: Record<string, number | undefined>, options: { withChildren?: string[] } = {}): CpuMeter & { poll(): void; stop(): void } {
  const seen = new Map<number, { tree: string; first: number; last: number }>();
  const poll = () => {
    for (const [tree, pid] of Object.entries(trees)) {
      if (pid === undefined) continue;
      const pids = options.withChildren?.includes(tree) ? [pid, ...descendants(pid)] : [pid];
      for (const p of pids) {
        const ticks = ticksOf(p);
        const known = seen.get(p);
        if (known) known.last = Math.max(known.last, ticks);
        else seen.set(p, { tree, first: ticks, last: ticks });
      }
    }
  };
  poll();
  // A child first seen later started after the meter did: all its time counts.
  const started = new Set(seen.keys());
  const timer = setInterval(poll, 500);
  timer.unref();
  return {
    poll,
    stop: () => clearInterval(timer),
    read() {
      poll();
      const out: Record<string, number> = {};
      for (const [pid, s] of seen) out[s.tree] = (out[s.tree] ?? 0) + (s.last - (started.has(pid) ? s.first : 0)) / TICKS_PER_SECOND;
      for (const k of Object.keys(out)) out[k] = Number(out[k].toFixed(1));
      return out;
    },
  };
}
