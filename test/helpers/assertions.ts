/** The innermost failure of a Temporal error chain: where the type and reason live. */
export function innermostFailure(err: unknown): { type?: string; message: string; nonRetryable?: boolean } {
  let e = err as { cause?: unknown; type?: string; message: string; nonRetryable?: boolean };
  while (e?.cause instanceof Error) e = e.cause as typeof e;
  return e;
}

interface SimReadable {
  contacts(key: string): { Email?: unknown; FirstName?: unknown; LastName?: unknown; lists?: string[] }[];
  lists(key: string): { list_id: string; title: string }[];
}

/** What the simulator holds for a key, by lower-cased email, with list titles sorted. */
export function simContacts(sim: SimReadable, key: string) {
  const titles = new Map(sim.lists(key).map((l) => [l.list_id, l.title]));
  return new Map(
    sim.contacts(key).map((c) => [
      String(c.Email).toLowerCase(),
      { FirstName: c.FirstName, LastName: c.LastName, lists: (c.lists ?? []).map((id) => titles.get(id) ?? id).sort() },
    ]),
  );
}

/** Polls `probe` until it yields a value. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
