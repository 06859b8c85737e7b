/** A message at the top of a page: what just happened, or what went wrong (read out as it appears). */
export function Notice({ kind = 'info', children }: { kind?: 'info' | 'ok' | 'error'; children: unknown }) {
  if (!children) return null;
  return (
    <p class={`notice ${kind === 'info' ? '' : kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children as string}
    </p>
  );
}
