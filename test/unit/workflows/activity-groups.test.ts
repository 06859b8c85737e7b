import type { DestinationActivities, RetentionActivities, StoreActivities } from '../../../activities';

/** True when K is one of T's keys: checked by the compiler, so a wrong group fails the build. */
type Has<T, K extends string> = K extends keyof T ? true : false;

describe('activity groups', () => {
  it('keeps the metered destination calls and the store work apart, by type', () => {
    const checks: Record<string, boolean> = {
      storeSendsNoBatch: false satisfies Has<StoreActivities, 'exportBatch'>,
      storeChecksNoKey: false satisfies Has<StoreActivities, 'checkKey'>,
      destinationPlansNothing: false satisfies Has<DestinationActivities, 'planRun'>,
      destinationPurgesNothing: false satisfies Has<DestinationActivities, 'purgeExpiredRunDetails'>,
      retentionIsStoreWork: true satisfies Has<RetentionActivities, 'purgeExpiredRunDetails'>,
    };
    expect(Object.values(checks).every((ok) => typeof ok === 'boolean')).toBe(true);
  });
});
