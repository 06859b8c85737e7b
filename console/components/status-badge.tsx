/** A run's status in words and colour (the word carries the meaning; the colour only repeats it). */
export function StatusBadge({ status, paused }: { status: string; paused?: boolean }) {
  const shown = paused && status === 'running' ? 'paused' : status;
  return <span class={`badge ${shown}`}>{shown.replace('_', ' ')}</span>;
}
