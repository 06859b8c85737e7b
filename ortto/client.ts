import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import type { z } from 'zod';
import type { DestinationConfig } from '../destinations/port';
import {
  CREATE_CUSTOM_FIELD_PATH,
  CreateCustomFieldResponseSchema,
  CustomFieldsResponseSchema,
  EMAIL_FIELD,
  LIST_CUSTOM_FIELDS_PATH,
  MAX_PEOPLE_PER_MERGE,
  MERGE_PATH,
  MergeResponseSchema,
  type MergePerson,
  type MergeRequest,
  type PersonResult,
} from './contract';
import { OrttoError, toOrttoError } from './errors';

const DEFAULT_TIMEOUT_MS = 30_000;

/** A custom field of the account: its id (`int:cm:visits`), name and display type (`integer`). */
export interface CustomField {
  id: string;
  name: string;
  displayType: string;
}

/**
 * Typed access to Ortto's person API. Every failure is thrown as an {@link OrttoError}, classified
 * once by {@link toOrttoError}; an aborted signal rethrows axios' `CanceledError`. Never logs.
 */
export class OrttoClient {
  private readonly http: AxiosInstance;
  private readonly ownAgents: Array<http.Agent | https.Agent> = [];
  private readonly beforeRequest?: (signal?: AbortSignal) => Promise<void>;
  private readonly baseUrl: string;

  constructor(options: DestinationConfig) {
    this.beforeRequest = options.beforeRequest;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    const keepAlive = options.keepAlive ?? true;
    this.http = axios.create({
      baseURL: this.baseUrl,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      httpAgent: options.httpAgent ?? this.own(new http.Agent({ keepAlive })),
      httpsAgent: options.httpsAgent ?? this.own(new https.Agent({ keepAlive })),
      headers: { 'X-Api-Key': options.apiKey, 'Content-Type': 'application/json', Accept: 'application/json' },
      // Redirects would re-send the key to wherever they point; a proxy from the environment would
      // receive it and hide the destination's address from the outbound checks.
      maxRedirects: 0,
      proxy: false,
    });
  }

  /**
   * The account's custom fields: one read that sends no person, so it is also the key check. An
   * answer that is not a field list is `wrongService` (a server that answers anything is not Ortto).
   */
  async listCustomFields(signal?: AbortSignal): Promise<CustomField[]> {
    const { body, status } = await this.send(LIST_CUSTOM_FIELDS_PATH, {}, signal);
    const parsed = CustomFieldsResponseSchema.safeParse(body);
    if (!parsed.success) {
      throw new OrttoError('wrongService', `The server at ${hostOf(this.baseUrl)} answered ${LIST_CUSTOM_FIELDS_PATH} with something that is not Ortto's field list`, { status });
    }
    return parsed.data.fields.map(({ field }) => ({ id: field.id, name: field.name, displayType: field.display_type }));
  }

  /** Creates a custom field (`type`: text, integer, decimal, bool, date…); Ortto answers 423 when it exists. */
  async createCustomField(name: string, type: string, signal?: AbortSignal): Promise<CustomField> {
    const body = await this.request(CREATE_CUSTOM_FIELD_PATH, { name, type }, CreateCustomFieldResponseSchema, signal);
    return { id: body.field_id, name: body.name, displayType: body.display_type };
  }

  /**
   * Creates or updates up to 100 people by email (so a retry is safe): one result per person, in
   * order. A 400 "No valid contacts" is Ortto's answer about the people, not a failure: their
   * reasons come back as results. Throws `rejected` without sending for more than 100.
   */
  async merge(people: MergePerson[], signal?: AbortSignal): Promise<PersonResult[]> {
    if (people.length > MAX_PEOPLE_PER_MERGE) throw new OrttoError('rejected', `Ortto accepts at most ${MAX_PEOPLE_PER_MERGE} people per merge, got ${people.length}`);
    if (people.length === 0) return [];
    return this.mergeRequest({ people, merge_by: [EMAIL_FIELD], merge_strategy: 2 }, signal);
  }

  /**
   * Takes a tag off the person with this email, creating no one (`skip_non_existing`): `removed`
   * when Ortto merged the change, `notMember` when there is no such person it could change.
   */
  async unsetTag(tag: string, email: string, signal?: AbortSignal): Promise<'removed' | 'notMember'> {
    const person: MergePerson = { fields: { [EMAIL_FIELD]: email.trim() }, unset_tags: [tag] };
    const [result] = await this.mergeRequest({ people: [person], merge_by: [EMAIL_FIELD], merge_strategy: 2, skip_non_existing: true }, signal);
    return result?.status === 'merged' ? 'removed' : 'notMember';
  }

  /** Destroys the sockets of agents this client created. */
  close(): void {
    for (const agent of this.ownAgents) agent.destroy();
  }

  private async mergeRequest(request: MergeRequest, signal?: AbortSignal): Promise<PersonResult[]> {
    try {
      const results = await this.request(MERGE_PATH, request, MergeResponseSchema, signal);
      if (results.people.length !== request.people.length) {
        throw new OrttoError('unavailable', `Ortto answered a merge of ${request.people.length} with ${results.people.length} results`, { status: 200 });
      }
      return results.people;
    } catch (err) {
      return noValidContacts(err, request.people.length);
    }
  }

  private own<A extends http.Agent | https.Agent>(agent: A): A {
    this.ownAgents.push(agent);
    return agent;
  }

  private async request<S extends z.ZodType>(path: string, data: unknown, schema: S, signal: AbortSignal | undefined): Promise<z.output<S>> {
    const { body, status } = await this.send(path, data, signal);
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new OrttoError('unavailable', `Ortto answered ${status} with an unreadable response to ${path}`, { status });
    return parsed.data;
  }

  /** One POST after its turn; a failure leaves as an {@link OrttoError}. */
  private async send(path: string, data: unknown, signal: AbortSignal | undefined): Promise<{ body: unknown; status: number }> {
    await this.beforeRequest?.(signal);
    try {
      const response = await this.http.post(path, data, { signal });
      return { body: response.data as unknown, status: response.status };
    } catch (err) {
      throw toOrttoError(err);
    }
  }
}

/**
 * Ortto's 400 when nobody in a merge is valid, as one result per person: its details when there is
 * one per person, else its error for all. Any other failure is thrown on.
 */
function noValidContacts(err: unknown, count: number): PersonResult[] {
  const answer = err instanceof OrttoError ? err.noValidContacts : undefined;
  if (!answer) throw err;
  if (answer.details.length === count) return answer.details.map((d) => ({ status: d.status ?? 'invalid', error: d.error }));
  return Array.from({ length: count }, () => ({ status: 'invalid', error: answer.error }));
}

/** Host (and port) only: a URL may carry credentials in its user part or a token in its query. */
function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host || 'its base URL';
  } catch {
    return 'its base URL';
  }
}
