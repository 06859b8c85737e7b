import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of this process's threads (Linux /proc/self/task), to tell the engine's JavaScript (the
 * main thread) from the embedded store, whose PGlite runs in a thread of its own. Node names every
 * thread "node", so the store's is taken to be the busiest one besides the main thread: the others
 * are GC helpers, libuv's pool and the Temporal core's runtime.
 */
export function threadMeter(): { read(): { main: number; busiestOther: number; rest: number } } {
  const ticks = () => {
    const out = new Map<number, number>();
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(Number(tid), Number(f[11]) + Number(f[12]));
      } catch {
        // Ended meanwhile.
      }
    }
    return out;
  };
  const before = ticks();
  return {
    read() {
      const spent = [...ticks()].map(([tid, t]) => ({ tid, s: (t - (before.get(tid) ?? 0)) / 100 }));
      const main = spent.find((x) => x.tid === process.pid)?.s ?? 0;
      const others = spent.filter((x) => x.tid !== process.pid).map((x) => x.s).sort((a, b) => b - a);
      const rest = others.slice(1).reduce((a, b) => a + b, 0);
      return { main: Number(main.toFixed(1)), busiestOther: Number((others[0] ?? 0).toFixed(1)), rest: Number(rest.toFixed(1)) };
    },
  };
}
