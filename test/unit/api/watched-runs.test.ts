import type { RunLauncher } from '../../../api/ports';
import type { RunReconciler } from '../../../api/run-reconciler';
import { createWatchedRuns } from '../../../api/watched-runs';
import type { RunRow } from '../../../store/run-queries';
import type { RunProgress } from '../../../workflows';

/** A run read as a client polling it reads it: Temporal asked once per refresh, never on the reader's way after the first. */
const run = { id: 'r1', workflowId: 'export-e1', status: 'running' } as RunRow;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function watching(refreshMs: number) {
  let answer: RunProgress = { phase: 'exporting', batchesDone: 1, exportedItems: 100, rejectedItems: 0 };
  let ending: RunRow['status'] = 'running';
  const asked: string[] = [];
  let release: () => void = () => undefined;
  let held = false;
  const runs = {
    async progress(workflowId: string) {
      asked.push(workflowId);
      if (held) await new Promise<void>((resolve) => (release = resolve));
      return answer;
    },
  } as unknown as RunLauncher;
  const reconciler = { reconcile: async (r: RunRow) => ({ ...r, status: ending }) } as unknown as RunReconciler;
  return {
    watched: createWatchedRuns({ runs, reconciler, logger: quiet, refreshMs }),
    asked,
    answer: (p: Partial<RunProgress>) => (answer = { ...answer, ...p }),
    end: () => (ending = 'terminated'),
    hold: () => (held = true),
    release: () => ((held = false), release()),
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('a watched run', () => {
  it('waits for Temporal on its first read only, then answers with what it last heard', async () => {
    const w = watching(60_000);
    expect((await w.watched.read(run)).progress?.batchesDone).toBe(1);
    w.answer({ batchesDone: 2 });
    expect((await w.watched.read(run)).progress?.batchesDone).toBe(1);
    expect(w.asked).toHaveLength(1);
  });

  it('asks again in the background once its answer is old, once however many read meanwhile, and serves the new answer next', async () => {
    const w = watching(0);
    await w.watched.read(run);
    w.answer({ batchesDone: 2 });
    w.hold();
    const reads = await Promise.all([w.watched.read(run), w.watched.read(run), w.watched.read(run)]);
    expect(reads.map((r) => r.progress?.batchesDone)).toEqual([1, 1, 1]);
    expect(w.asked).toHaveLength(2);
    w.release();
    await tick();
    expect((await w.watched.read(run)).progress?.batchesDone).toBe(2);
  });

  it('asks at once after it was steered from here', async () => {
    const w = watching(60_000);
    await w.watched.read(run);
    w.answer({ phase: 'paused' });
    w.watched.forget(run.id);
    expect((await w.watched.read(run)).progress?.phase).toBe('paused');
  });

  it('is forgotten once it has ended, so its next read asks afresh', async () => {
    const w = watching(0);
    await w.watched.read(run);
    w.end();
    await w.watched.read(run);
    await tick();
    const next = await w.watched.read(run);
    expect(next.run.status).toBe('terminated');
  });
});
