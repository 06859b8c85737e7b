import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export const DEFAULT_SEGMENTS = ['VIP', 'Newsletter', 'Churn Risk', 'New Customers', 'Webinar Attendees', 'Loyalty'];
// Relative popularity of the default segments, so counts look like a real audience, not a uniform split.
const DEFAULT_WEIGHTS = [1, 6, 2, 3, 2, 3];

const FIRST = ['Ann', 'Bob', 'Carla', 'David', 'Emma', 'Felix', 'Grace', 'Hugo', 'Ines', 'Jonas', 'Karin', 'Liam', 'Mia',
  'Noah', 'Olga', 'Paul', 'Quinn', 'Rosa', 'Sam', 'Tara', 'Umar', 'Vera', 'Wes', 'Xena', 'Yusuf', 'Zoe'];
const LAST = ['Lee', 'Smith', 'Garcia', 'Müller', 'Nguyen', 'Okafor', 'Rossi', 'Kim', 'Novak', 'Silva', 'Jensen',
  'Dubois', 'Kowalski', 'Tanaka', 'Brown', 'Haddad', 'Ivanova', 'Murphy', 'Schmidt', 'Larsen'];
const COMPANIES = ['Acme Corp', 'Globex', 'Initech', 'Umbrella Labs', 'Hooli', 'Stark Works', 'Wayne Trading', 'Vandelay Imports'];
const CITIES = ['Berlin', 'London', 'Lisbon', 'Toronto', 'Austin', 'Sydney', 'Nairobi', 'Osaka', 'Madrid', 'Oslo'];
// Reserved example domains (RFC 2606) so generated data can never reach a real mailbox.
const DOMAINS = ['example.com', 'example.org', 'example.net'];
const SIGNUP_START = Date.UTC(2019, 0, 1);
const SIGNUP_DAYS = 7 * 365;

export interface DemoOptions {
  count: number;
  seed?: number;
  segments?: string[];
}

type Kind = 'normal' | 'no-email' | 'empty-email' | 'invalid-email' | 'case-duplicate';

/** mulberry32: tiny, fast and good enough for demo data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One generator per profile, so any earlier profile can be recomputed without keeping it in memory. */
const rngFor = (seed: number, index: number) => prng(Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) ^ Math.imul(index, 0x9e3779b1));
const pick = <T>(rand: () => number, list: readonly T[]): T => list[Math.floor(rand() * list.length)];

function person(seed: number, index: number) {
  const rand = rngFor(seed, index);
  const roll = rand();
  const kind: Kind =
    roll < 0.02 ? 'no-email' : roll < 0.03 ? 'empty-email' : roll < 0.04 ? 'invalid-email' : roll < 0.05 ? 'case-duplicate' : 'normal';
  const first = pick(rand, FIRST);
  const last = pick(rand, LAST);
  const local = `${ascii(first)}.${ascii(last)}${index}`; // the index keeps every normal email unique
  return { rand, kind, first, last, local, domain: pick(rand, DOMAINS) };
}

const ascii = (s: string) => s.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase();
const capital = (s: string) => s.replace(/(^|[.@])([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());

/** Yields NDJSON lines (no trailing newline), deterministic for a given seed. */
export function* generateDemoProfiles(options: DemoOptions): Iterable<string> {
  const { count, seed = 42 } = options;
  const segments = options.segments ?? DEFAULT_SEGMENTS;
  const weights = options.segments ? segments.map(() => 1) : DEFAULT_WEIGHTS;
  for (let index = 1; index <= count; index++) {
    const p = person(seed, index);
    let { first, last } = p;
    let email: string | undefined = `${p.local}@${p.domain}`;
    if (p.kind === 'no-email') email = undefined;
    else if (p.kind === 'empty-email') email = '';
    else if (p.kind === 'invalid-email') email = pick(p.rand, [`${p.local}.${p.domain}`, `${p.local}@`, `${ascii(first)}@${ascii(last)}`]);
    else if (p.kind === 'case-duplicate') {
      // The same person signed up twice with different capitalisation: reuse an earlier normal profile.
      for (let attempt = 0; attempt < 20 && index > 1; attempt++) {
        const other = person(seed, 1 + Math.floor(p.rand() * (index - 1)));
        if (other.kind !== 'normal') continue;
        ({ first, last } = other);
        email = capital(`${other.local}@${other.domain}`);
        break;
      }
    }
    const plan = pick(p.rand, ['free', 'free', 'free', 'pro', 'pro', 'enterprise']);
    const value = plan === 'free' ? p.rand() * 50 : plan === 'pro' ? 100 + p.rand() * 2900 : 5000 + p.rand() * 95000;
    const line = {
      id: `p-${String(index).padStart(6, '0')}`,
      segments: pickSegments(p.rand, segments, weights),
      ...(email === undefined ? {} : { EmailAddress: email }),
      FirstName: first,
      LastName: last,
      Company: pick(p.rand, COMPANIES),
      City: pick(p.rand, CITIES),
      Plan: plan,
      SignupDate: new Date(SIGNUP_START + Math.floor(p.rand() * SIGNUP_DAYS) * 86_400_000).toISOString().slice(0, 10),
      LifetimeValue: Math.round(value * 100) / 100,
    };
    yield JSON.stringify(line);
  }
}

/** About 5% in no segment, the rest in 1 (50%), 2 (35%) or 3 (15%), weighted without repeats. */
function pickSegments(rand: () => number, segments: string[], weights: number[]): string[] {
  const roll = rand();
  let n = roll < 0.05 ? 0 : roll < 0.525 ? 1 : roll < 0.8575 ? 2 : 3;
  const pool = segments.map((name, i) => ({ name, weight: weights[i] }));
  const chosen: string[] = [];
  while (n-- > 0 && pool.length > 0) {
    let r = rand() * pool.reduce((sum, s) => sum + s.weight, 0);
    const i = Math.max(0, pool.findIndex((s) => (r -= s.weight) < 0));
    chosen.push(pool.splice(i, 1)[0].name);
  }
  return chosen;
}

function* ndjsonBlocks(lines: Iterable<string>, size = 1000): Iterable<string> {
  let block: string[] = [];
  for (const line of lines) {
    block.push(line);
    if (block.length === size) {
      yield block.join('\n') + '\n';
      block = [];
    }
  }
  if (block.length > 0) yield block.join('\n') + '\n';
}

function parseArgs(argv: string[]): { count: number; seed: number; out?: string } {
  const args: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!['--count', '--seed', '--out'].includes(argv[i]) || argv[i + 1] === undefined) {
      throw new Error('usage: tsx scripts/demo-data.ts --count N [--seed S] [--out file.ndjson]');
    }
    args[argv[i].slice(2)] = argv[i + 1];
  }
  const count = Number(args.count ?? NaN);
  const seed = Number(args.seed ?? 42);
  if (!Number.isInteger(count) || count < 0) throw new Error('--count must be a non-negative integer');
  if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
  return { count, seed, out: args.out };
}

async function main(): Promise<void> {
  const { count, seed, out } = parseArgs(process.argv.slice(2));
  // Readable.from + pipeline only pulls the next block when the destination drains.
  await pipeline(Readable.from(ndjsonBlocks(generateDemoProfiles({ count, seed }))), out ? createWriteStream(out) : process.stdout);
}

if (require.main === module) {
  main().catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') return; // e.g. piped into `head`
    console.error(err.message);
    process.exitCode = 1;
  });
}
