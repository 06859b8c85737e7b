import { randomUUID } from 'node:crypto';
import { EMAIL_FIELD, MAX_PEOPLE_PER_MERGE, MergeRequestSchema, type MergePerson, type MergeRequest, type PersonResult } from '../ortto/contract';
import { invalidValue } from './fields';
import type { SimAccount, SimPerson } from './state';

export type MergeAnswer = { status: 200; body: { people: PersonResult[] } } | { status: 400; body: Record<string, unknown> };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@.]+$/;
const keyOf = (email: string) => email.trim().toLowerCase();

/**
 * `POST /v1/person/merge` as Ortto answers it: each person checked, then created or merged by email
 * (ignoring case) with their tags added and `unset_tags` taken off. When nobody is valid, the whole
 * request is a 400 "No valid contacts" with a reason per person, and nothing is stored.
 */
export function mergePeople(account: SimAccount, body: unknown): MergeAnswer {
  const parsed = MergeRequestSchema.safeParse(body);
  if (!parsed.success || parsed.data.people.length === 0 || parsed.data.people.length > MAX_PEOPLE_PER_MERGE) {
    return badRequest('Invalid request: people must hold 1 to 100 people');
  }
  const request = parsed.data;
  if (request.merge_by && !(request.merge_by.length === 1 && request.merge_by[0] === EMAIL_FIELD)) return badRequest('The simulator merges by str::email only');
  const checked = request.people.map((p) => checkPerson(account, p));
  const stats = account.stats;
  stats.merges++;
  stats.mergeSizes.push(request.people.length);
  if (checked.every((c) => c !== undefined)) {
    stats.allInvalidMerges++;
    for (const c of checked) countOutcome(account, c!.status);
    return { status: 400, body: { request_id: randomUUID(), code: 400, error: `No valid contacts provided (${checked[0]!.error})`, details: checked } };
  }
  const people = request.people.map((p, i) => checked[i] ?? apply(account, p, request));
  for (const p of people) countOutcome(account, p.status);
  return { status: 200, body: { people } };
}

function badRequest(error: string): MergeAnswer {
  return { status: 400, body: { request_id: randomUUID(), code: 400, error } };
}

/** The reason Ortto refuses this person, or undefined when it takes them. */
function checkPerson(account: SimAccount, person: MergePerson): PersonResult | undefined {
  const email = person.fields[EMAIL_FIELD];
  if (typeof email !== 'string' || !EMAIL.test(email.trim()) || [...email].length > 255) return { status: 'invalid', error: 'Invalid email address' };
  if (account.suppressed.has(keyOf(email))) return { status: 'suppressed', error: 'Email is suppressed' };
  for (const [id, value] of Object.entries(person.fields)) {
    const why = invalidValue(account, id, value);
    if (why) return { status: 'invalid', error: why };
  }
  const tags = [...(person.tags ?? []), ...(person.unset_tags ?? [])];
  if (tags.some((t) => t.length === 0 || [...t].length > 255)) return { status: 'invalid', error: 'Invalid tag' };
  return undefined;
}

function apply(account: SimAccount, person: MergePerson, request: MergeRequest): PersonResult {
  const key = keyOf(person.fields[EMAIL_FIELD] as string);
  const existing = account.people.get(key);
  if (!existing) {
    if (request.skip_non_existing) return { status: 'ignored' };
    const created: SimPerson = { personId: account.newPersonId(), fields: { 'bol::p': true }, tags: new Set() };
    writeFields(created, person.fields, 2);
    account.people.set(key, created);
    return { person_id: retag(account, created, person), status: 'created' };
  }
  // The email keeps the case it was created with: people are found by it ignoring case.
  const fields = Object.entries(person.fields).filter(([id]) => id !== EMAIL_FIELD);
  writeFields(existing, Object.fromEntries(fields), request.merge_strategy ?? 2);
  return { person_id: retag(account, existing, person), status: 'merged' };
}

/** Strategy 1 appends only (fields with no value yet), 2 overwrites (null clears), 3 leaves existing people as they are. */
function writeFields(target: SimPerson, fields: Record<string, unknown>, strategy: number): void {
  if (strategy === 3 && target.fields[EMAIL_FIELD] !== undefined) return;
  for (const [id, value] of Object.entries(fields)) {
    if (strategy === 1 && target.fields[id] !== undefined) continue;
    if (value === null) delete target.fields[id];
    else target.fields[id] = value;
  }
}

function retag(account: SimAccount, target: SimPerson, person: MergePerson): string {
  for (const tag of person.tags ?? []) target.tags.add(tag);
  for (const tag of person.unset_tags ?? []) if (target.tags.delete(tag)) account.stats.tagsUnset++;
  return target.personId;
}

function countOutcome(account: SimAccount, status: string): void {
  const stats = account.stats;
  if (status === 'created') stats.created++;
  else if (status === 'merged') stats.merged++;
  else if (status === 'suppressed') stats.suppressedPeople++;
  else if (status === 'invalid') stats.invalidPeople++;
}
