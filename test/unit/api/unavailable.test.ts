import { unavailableDependency } from '../../../api/unavailable';

describe('unavailableDependency', () => {
  const grpc = (code: number) => Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code, details: '', metadata: {} });

  it.each([
    ['a refused database connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), 'store'],
    ['PostgreSQL shutting down', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }), 'store'],
    ['a dropped pool connection', new Error('Connection terminated unexpectedly'), 'store'],
    ['Temporal unreachable', grpc(14), 'temporal'],
    ['Temporal unreachable, wrapped', Object.assign(new Error('Failed to start workflow'), { cause: grpc(14) }), 'temporal'],
  ])('says %s is a dependency being down', (_what, err, dependency) => {
    expect(unavailableDependency(err)).toBe(dependency);
  });

  it.each([
    ['a bug', new TypeError('x is undefined')],
    ['a constraint violation', Object.assign(new Error('duplicate key'), { code: '23505' })],
    ['a gRPC refusal that is not an outage', grpc(3)],
  ])('leaves %s alone', (_what, err) => {
    expect(unavailableDependency(err)).toBeUndefined();
  });
});
