import { Cron } from 'croner';
import cronstrue from 'cronstrue';
import { cronProblem, timezoneProblem } from '../api/cron';

export interface ScheduleView {
  /** "At 06:00, Monday through Friday"; undefined when the expression is not valid. */
  description?: string;
  /** The next fire times, formatted in the schedule's own time zone. */
  next: string[];
  /** The first of them as ISO, for a <time>. */
  nextIso?: string;
  problem?: string;
}

/**
 * What a schedule means in words and when it fires next, read as Temporal reads it (five fields,
 * day-of-month AND day-of-week, in its IANA time zone). The API's own check decides validity.
 */
export function describeSchedule(cron: string, timezone: string, count = 5, now = new Date()): ScheduleView {
  const problem = cronProblem(cron) ?? (timezoneProblem(timezone) && `time zone ${timezoneProblem(timezone)}`);
  if (problem) return { next: [], problem };
  const runs = new Cron(cron.trim(), { timezone, domAndDow: true }).nextRuns(count, now);
  const format = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
  return {
    description: cronstrue.toString(cron.trim(), { use24HourTimeFormat: true, throwExceptionOnParseError: false }),
    next: runs.map((d) => `${format.format(d)} (${timezone})`),
    nextIso: runs[0]?.toISOString(),
  };
}
