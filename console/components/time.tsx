/** A moment: UTC as rendered, the viewer's own time zone once console.js has run. */
export function When({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span>—</span>;
  const utc = `${iso.slice(0, 16).replace('T', ' ')} UTC`;
  return (
    <time datetime={iso} data-local="">
      {utc}
    </time>
  );
}

/** "1 h 05 min", "3 min 12 s", "42 s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${s} s`;
}

export const formatNumber = (n: number | null | undefined) => (n === null || n === undefined ? '—' : n.toLocaleString('en-US'));
