import type { ScheduleView } from '../schedule';

/** A schedule in words and its next fire times, or what is wrong with it. */
export function SchedulePreview({ schedule }: { schedule: ScheduleView }) {
  if (schedule.problem) return <p class="error-text">{schedule.problem}</p>;
  return (
    <div>
      <p>{schedule.description}. Next:</p>
      <ol class="times">
        {schedule.next.map((t) => (
          <li>{t}</li>
        ))}
      </ol>
    </div>
  );
}
