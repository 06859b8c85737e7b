import { createHash } from 'node:crypto';
import { createConsoleHarness, signIn, type ConsoleHarness } from './harness';

jest.setTimeout(60_000);

const POLL_MS = 150;
/** A tick or two, with room for a busy machine: a stream that should end never does without the fix. */
const TWO_TICKS_MS = 2 * POLL_MS + 1_500;

interface Watched {
  /** Event names received so far, in order. */
  events: string[];
  /** The last progress event's data. */
  lastProgress: () => string;
  /** Resolves when the server ends the stream (true), or the client aborts it (false). */
  ended: Promise<boolean>;
  abort(): void;
}

/** A run's live stream over a real socket, as the browser's EventSource opens it. */
async function watch(origin: string, runId: string, cookie: string): Promise<Watched> {
  const controller = new AbortController();
  const res = await fetch(`${origin}/console/runs/${runId}/events`, { headers: { cookie, accept: 'text/event-stream' }, signal: controller.signal });
  expect(res.status).toBe(200);
  const events: string[] = [];
  let progress = '';
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const ended = (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return true;
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const name = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
          if (name === 'progress') progress = block.replace(/^event: .*\n/, '').replace(/^data: /gm, '');
          events.push(name);
        }
      }
    } catch {
      return false;
    }
  })();
  await until(() => events.length > 0);
  return { events, lastProgress: () => progress, ended, abort: () => controller.abort() };
}

async function until(check: () => boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whether the promise settles within `ms`. */
const settlesWithin = <T,>(p: Promise<T>, ms: number) => Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

/**
 * A run's page streams its live panel while the run goes. A stream must not outlive its session,
 * nor a session hold more than a few, nor a closed page keep polling the API.
 */
describe('console live streams', () => {
  let h: ConsoleHarness;
  let origin = '';
  let runId = '';
  beforeAll(async () => {
    h = await createConsoleHarness({ console: { livePollMs: POLL_MS } });
    origin = await h.listen();
    runId = await h.runningRun();
  });
  afterAll(() => h?.close());

  const session = () => signIn(fetch, origin, h.tokens.admin);
  const polls = () => h.requests.filter((r) => r.method === 'GET' && r.path === `/runs/${runId}`).length;

  it('go on while the run goes, a panel a tick', async () => {
    const { cookie } = await session();
    const w = await watch(origin, runId, cookie);
    await until(() => w.events.filter((e) => e === 'progress').length >= 3);
    expect(w.lastProgress()).toContain('running');
    w.abort();
  });

  it('end at once when their session signs out, with `done` so the browser does not connect again', async () => {
    const { cookie, csrf } = await session();
    const w = await watch(origin, runId, cookie);
    const out = await fetch(`${origin}/console/sign-out`, {
      method: 'POST',
      headers: { cookie, origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
      redirect: 'manual',
    });
    expect(out.status).toBe(303);
    expect(await settlesWithin(w.ended, TWO_TICKS_MS)).toBe(true);
    expect(await w.ended).toBe(true);
    expect(w.events.at(-1)).toBe('done');
    // And it may not come back.
    expect((await fetch(`${origin}/console/runs/${runId}/events`, { headers: { cookie, accept: 'text/event-stream' } })).status).toBe(401);
  });

  it('end within a tick or two when their session ends elsewhere (another API process, or it expired)', async () => {
    const { cookie } = await session();
    const w = await watch(origin, runId, cookie);
    const idHash = createHash('sha256').update(decodeURIComponent(cookie.split('=')[1]), 'utf8').digest('hex');
    await h.db.query("UPDATE console_sessions SET expires_at = now() - interval '1 second' WHERE id_hash = $1", [idHash]);
    expect(await settlesWithin(w.ended, TWO_TICKS_MS)).toBe(true);
    expect(w.events.at(-1)).toBe('done');
  });

  it('end when the API stops taking the session\'s token, and the session with them', async () => {
    const issued = await h.api('POST', '/tokens', { name: 'tess', role: 'admin' });
    const { cookie } = await signIn(fetch, origin, issued.body.token);
    const w = await watch(origin, runId, cookie);
    expect((await h.api('DELETE', `/tokens/${issued.body.id}`)).status).toBeLessThan(300);
    expect(await settlesWithin(w.ended, TWO_TICKS_MS)).toBe(true);
    expect(w.events.at(-1)).toBe('done');
    expect((await fetch(`${origin}/console/exports`, { headers: { cookie }, redirect: 'manual' })).status).toBe(303);
  });

  it('are at most four a session: a fifth ends the oldest, which says why', async () => {
    const { cookie } = await session();
    const open: Watched[] = [];
    for (let i = 0; i < 4; i++) open.push(await watch(origin, runId, cookie));
    const fifth = await watch(origin, runId, cookie);
    expect(await settlesWithin(open[0].ended, 1_000)).toBe(true);
    expect(open[0].events.slice(-2)).toEqual(['progress', 'done']);
    expect(open[0].lastProgress()).toMatch(/Live updates stopped/);
    // The others go on.
    const before = fifth.events.length;
    await until(() => fifth.events.length >= before + 2);
    for (const w of [...open.slice(1), fifth]) {
      expect(await settlesWithin(w.ended, 10)).toBe(false);
      w.abort();
    }
  });

  it('end at once when the page closes: no further call to the API, and the place is free again', async () => {
    const { cookie } = await session();
    const open: Watched[] = [];
    for (let i = 0; i < 4; i++) open.push(await watch(origin, runId, cookie));
    for (const w of open.slice(0, 3)) w.abort();
    open[3].abort();
    // Whatever was asked as they closed has answered; nothing is asked afterwards.
    await new Promise((r) => setTimeout(r, 500));
    const after = polls();
    await new Promise((r) => setTimeout(r, 3 * POLL_MS));
    expect(polls()).toBe(after);

    // Four new ones on the freed places: none is ended for another.
    const again: Watched[] = [];
    for (let i = 0; i < 4; i++) again.push(await watch(origin, runId, cookie));
    await new Promise((r) => setTimeout(r, 2 * POLL_MS));
    for (const w of again) {
      expect(await settlesWithin(w.ended, 10)).toBe(false);
      expect(w.events).not.toContain('done');
      w.abort();
    }
  });
});
