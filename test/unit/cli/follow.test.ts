import { ApiError, CliError } from '../../../cli/errors';
import { followRun, type Reporter } from '../../../cli/follow';
import type { Run } from '../../../cli/types';
import { aRun, completed } from './fakes';

/** Answers (or throws) each of `answers` in turn, one per poll. */
function polls(answers: (Run | Error)[]) {
  let i = 0;
  return {
    getRun: async () => {
      const a = answers[Math.min(i++, answers.length - 1)];
      if (a instanceof Error) throw a;
      return a;
    },
    count: () => i,
  };
}

function recorder(): Reporter & { seen: string[]; stopped: number } {
  const r = { seen: [] as string[], stopped: 0, update: (run: Run) => r.seen.push(run.status), stop: () => void r.stopped++ };
  return r;
}
const noWait = async () => undefined;

describe('following a run', () => {
  it('reads the run until it has ended, and stops the reporter', async () => {
    const reporter = recorder();
    const result = await followRun(polls([aRun(), aRun({ phase: 'paused' }), completed()]), 'run-1', { pollMs: 1, reporter, sleep: noWait });

    expect(result).toMatchObject({ interrupted: false, run: { status: 'completed' } });
    expect(reporter.seen).toEqual(['running', 'running', 'completed']);
    expect(reporter.stopped).toBe(1);
  });

  it('rides out a few failed polls (the API restarting), then gives up', async () => {
    const down = new CliError('unreachable', 'cannot reach the API');
    const recovered = await followRun(polls([aRun(), down, new ApiError(503, 'x', 'busy'), completed()]), 'run-1', { pollMs: 1, reporter: recorder(), sleep: noWait });
    expect(recovered.run?.status).toBe('completed');

    const p = polls([aRun(), down]);
    await expect(followRun(p, 'run-1', { pollMs: 1, reporter: recorder(), sleep: noWait, maxFailures: 3 })).rejects.toBe(down);
    expect(p.count()).toBe(4);
  });

  it('does not retry what asking again cannot change', async () => {
    const gone = new ApiError(404, 'not_found', 'Run not found');
    const reporter = recorder();
    await expect(followRun(polls([gone]), 'run-1', { pollMs: 1, reporter, sleep: noWait })).rejects.toBe(gone);
    expect(reporter.stopped).toBe(1);
  });

  it('stops following when interrupted, with the last run read', async () => {
    const controller = new AbortController();
    const sleep = async () => controller.abort();
    const result = await followRun(polls([aRun()]), 'run-1', { pollMs: 1, reporter: recorder(), sleep, signal: controller.signal });
    expect(result).toMatchObject({ interrupted: true, run: { status: 'running' } });
  });
});
