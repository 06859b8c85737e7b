import type { Db } from '../../../store/db';
import { turnTaker } from '../../../store/pacing-in-process';

/** A clock the sleeps move: turns are timed without waiting. */
function fakeTime() {
  let now = 1_000;
  return { clock: () => now, sleep: async (ms: number) => void (now += ms), advance: (ms: number) => void (now += ms) };
}

const embedded = (): Db => ({ oneAtATime: true }) as Db;

describe('turns on the embedded store (in process)', () => {
  it('hands out one key\'s turns more than 1/rate apart, whoever asks, and keys apart', async () => {
    const time = fakeTime();
    const db = embedded();
    const [one, other] = [turnTaker(db), turnTaker(db)];
    const options = { sleep: time.sleep, clock: time.clock, maxWaitMs: 60_000 };
    const taken: number[] = [];
    for (let i = 0; i < 6; i++) {
      expect(await (i % 2 ? one : other)('key-a', 5, options)).toEqual({ taken: true, givenBack: 0 });
      taken.push(time.clock());
    }
    expect(taken.slice(1).map((t, i) => t - taken[i])).toEqual(Array(5).fill(205));
    // Six turns of one key span more than a second; another key's first turn waits for none of them.
    expect(taken[5] - taken[0]).toBeGreaterThan(1_000);
    const before = time.clock();
    expect(await one('key-b', 5, options)).toEqual({ taken: true, givenBack: 0 });
    expect(time.clock()).toBe(before);
  });

  it('keeps the schedule of each store apart', async () => {
    const time = fakeTime();
    const options = { sleep: time.sleep, clock: time.clock, maxWaitMs: 60_000 };
    await turnTaker(embedded())('key-a', 5, options);
    await turnTaker(embedded())('key-a', 5, options);
    expect(time.clock()).toBe(1_000);
  });

  it('keeps the schedule when a turn is taken a little late, and moves it when much later', async () => {
    const time = fakeTime();
    const take = turnTaker(embedded());
    const options = { sleep: time.sleep, clock: time.clock, maxWaitMs: 60_000 };
    await take('key-a', 5, options);
    time.advance(205 + 3); // 3 ms late: within 2 % of 200 ms
    await take('key-a', 5, options);
    const wait = await take('key-a', 5, { ...options, maxWaitMs: 0 });
    expect(wait).toEqual({ taken: false, waitMs: 205 - 3 });
    time.advance(1_000);
    await take('key-a', 5, options);
    expect(await take('key-a', 5, { ...options, maxWaitMs: 0 })).toEqual({ taken: false, waitMs: 205 - 4 });
  });

  it('says how far away the turn is when it is further than the caller waits', async () => {
    const time = fakeTime();
    const take = turnTaker(embedded());
    await take('key-a', 1, { sleep: time.sleep, clock: time.clock, maxWaitMs: 100 });
    expect(await take('key-a', 1, { sleep: time.sleep, clock: time.clock, maxWaitMs: 100 })).toEqual({ taken: false, waitMs: 1_025 });
  });

  it('gives back a turn that came back late through the event loop, and takes the next one', async () => {
    let now = 1_000;
    let calls = 0;
    // The fourth reading is the one after the turn's pass through the event loop: 20 ms late, a busy process.
    const clock = () => (++calls === 4 ? (now += 20) : now);
    const take = turnTaker(embedded());
    expect(await take('key-a', 5, { sleep: async () => undefined, clock, maxWaitMs: 60_000 })).toEqual({ taken: true, givenBack: 1 });
    // One turn in use, taken late: the next is a spacing after it, less the lateness tolerance.
    expect(await take('key-a', 5, { sleep: async () => undefined, clock, maxWaitMs: 0 })).toEqual({ taken: false, waitMs: 205 - 4 });
  });
});
