import { cronProblem, timezoneProblem } from '../../../api/cron';

describe('cronProblem', () => {
  it.each(['0 6 * * *', '*/15 * * * *', '30 6 * * MON-FRI', '0 0 1,15 * *', '0 9-17/2 * jan-jun sun', '@daily', '@HOURLY', '  5 4 * * 0  '])(
    'accepts %p',
    (cron) => expect(cronProblem(cron)).toBeUndefined(),
  );

  it.each([
    ['', /5 fields/],
    ['0 6 * *', /5 fields/],
    ['0 0 6 * * *', /5 fields/],
    ['60 * * * *', /minute/],
    ['0 24 * * *', /hour/],
    ['0 0 0 * *', /day of month/],
    ['0 0 * 13 *', /month/],
    ['0 0 * * 7', /day of week/],
    ['0 0 * * FUNDAY', /day of week/],
    ['*/0 * * * *', /step/],
    ['5-1 * * * *', /low to high/],
    ['1-2-3 * * * *', /range/],
    ['0 0 L * *', /day of month/],
    ['@every 5m', /5 fields/],
  ])('refuses %p', (cron, problem) => expect(cronProblem(cron)).toMatch(problem));
});

describe('timezoneProblem', () => {
  it.each(['UTC', 'Europe/Amsterdam', 'America/Argentina/Buenos_Aires', 'Etc/GMT+1'])('accepts %p', (tz) =>
    expect(timezoneProblem(tz)).toBeUndefined(),
  );
  it.each(['Mars/Olympus', '+01:00', 'Europe/../etc', ''])('refuses %p', (tz) => expect(timezoneProblem(tz)).toBeDefined());
});
