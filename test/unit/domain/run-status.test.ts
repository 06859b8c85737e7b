import { RunSummarySchema } from '../../../api/contract/runs';
import { CLOSED_STATUSES, CUT_SHORT_STATUSES, RUN_STATUSES, isCutShort, isEnded } from '../../../domain/run-status';

test('the subsets say what a status means', () => {
  expect(CLOSED_STATUSES).toEqual(['completed', 'failed', 'cancelled', 'terminated', 'timed_out']);
  expect(CUT_SHORT_STATUSES).toEqual(['failed', 'cancelled', 'terminated', 'timed_out']);
  expect(RUN_STATUSES.filter(isEnded)).toEqual(RUN_STATUSES.filter((status) => status !== 'running'));
  expect(isEnded('paused')).toBe(false);
  expect(isCutShort('completed')).toBe(false);
});

test('the API answers with the same list', () => {
  expect(RunSummarySchema.shape.status.options).toEqual(RUN_STATUSES);
});
