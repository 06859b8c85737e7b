import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import type { z } from 'zod';
import {
  AccountResponseSchema,
  BulkUpsertResponseSchema,
  CreateListResponseSchema,
  ListsResponseSchema,
  MAX_CONTACTS_PER_UPSERT,
  RemoveFromListResponseSchema,
  type AccountResponse,
  type AutopilotContact,
} from './contract';
import { AutopilotError, toAutopilotError } from './errors';
import { notAnAccountError } from './not-an-account';

export interface AutopilotClientOptions {
  /** e.g. {@link DEFAULT_AUTOPILOT_BASE_URL} or a simulator's `/v1` URL. */
  baseUrl: string;
  apiKey: string;
  /** Per-request timeout; default 30 s (Autopilot may take long on full batches, spec S5). */
  timeoutMs?: number;
  /** Bring your own agents (e.g. to share sockets between clients); they are then not destroyed by {@link AutopilotClient.close}. */
  httpAgent?: http.Agent;
  httpsAgent?: https.Agent;
  /** Reuse sockets between requests; default true. */
  keepAlive?: boolean;
  /** Awaited before every request: where a rate budget shared with other processes takes its turn. */
  beforeRequest?: (signal?: AbortSignal) => Promise<void>;
}

export type AutopilotAccount = AccountResponse;

export interface AutopilotList {
  listId: string;
  title: string;
}

/** `removed`: Autopilot took the contact off the list; `notMember`: it was not on it (any more). */
export type RemoveFromListResult = 'removed' | 'notMember';

export interface UpsertContactsResult {
  /** Indexes (into the input array) of contacts Autopilot left out of its answer. */
  refused: number[];
}

const DEFAULT_TIMEOUT_MS = 30_000;

type Method = 'GET' | 'POST' | 'DELETE';

/**
 * Typed access to the Autopilot REST API v1. Every failure is thrown as an {@link AutopilotError}
 * (classified once, by {@link toAutopilotError}); an aborted `signal` rethrows axios' `CanceledError`.
 * The client never logs and holds no state beyond its sockets.
 */
export class AutopilotClient {
  private readonly http: AxiosInstance;
  private readonly ownAgents: Array<http.Agent | https.Agent> = [];
  private readonly beforeRequest?: (signal?: AbortSignal) => Promise<void>;
  private readonly baseUrl: string;

  constructor(options: AutopilotClientOptions) {
    this.beforeRequest = options.beforeRequest;
    this.baseUrl = options.baseUrl;
    const keepAlive = options.keepAlive ?? true;
    const httpAgent = options.httpAgent ?? this.own(new http.Agent({ keepAlive }));
    const httpsAgent = options.httpsAgent ?? this.own(new https.Agent({ keepAlive }));
    this.http = axios.create({
      baseURL: options.baseUrl.replace(/\/+$/, ''),
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      httpAgent,
      httpsAgent,
      headers: {
        autopilotapikey: options.apiKey,
        'Content-Type': 'application/json',
        Accept: 'application/json',
      },
      // Redirects would re-send the key to wherever they point; a proxy from the environment would
      // receive it and hide the destination's address from the outbound checks.
      maxRedirects: 0,
      proxy: false,
    });
  }

  /**
   * `GET /account`: checks the key. Throws `auth` when Autopilot rejects it, and `wrongService`
   * when the answer is not an account (so a server that answers anything is not taken for Autopilot).
   */
  async getAccount(signal?: AbortSignal): Promise<AutopilotAccount> {
    const { body, status } = await this.send('GET', '/account', undefined, signal);
    const account = AccountResponseSchema.safeParse(body);
    if (!account.success) throw notAnAccountError(this.baseUrl, body, status);
    return account.data;
  }

  /**
   * `POST /contacts`: creates or updates up to 100 contacts, keyed by Email (so a retry is safe).
   * Autopilot reports no per-contact errors; a contact whose Email is missing from its
   * `email_contact_map` was refused. Throws `rejected` without sending for more than 100.
   */
  async upsertContacts(contacts: AutopilotContact[], signal?: AbortSignal): Promise<UpsertContactsResult> {
    if (contacts.length > MAX_CONTACTS_PER_UPSERT) {
      throw new AutopilotError(
        'rejected',
        `Autopilot accepts at most ${MAX_CONTACTS_PER_UPSERT} contacts per request, got ${contacts.length}`,
      );
    }
    if (contacts.length === 0) return { refused: [] };
    const body = await this.request('POST', '/contacts', { contacts }, BulkUpsertResponseSchema, signal);
    if (body.email_contact_map) {
      const accepted = new Set(Object.keys(body.email_contact_map).map(normalizeEmail));
      const refused = contacts.flatMap((c, i) => (accepted.has(normalizeEmail(c.Email)) ? [] : [i]));
      return { refused };
    }
    // Older responses carry only contact_ids (spec 4.3): trust them only if nothing is missing.
    if (body.contact_ids?.length === contacts.length) return { refused: [] };
    throw new AutopilotError(
      'unavailable',
      'Autopilot answered 200 with an unreadable response: no email_contact_map, so accepted contacts are unknown',
      { status: 200 },
    );
  }

  /**
   * `DELETE /list/{list_id}/contact/{email}`: takes the contact off one list; the contact itself
   * stays. Repeating it is harmless. A 404 (no such contact, or no such list: Autopilot answers
   * both with one, spec 4.6) means the membership is not there, which is what was asked.
   */
  async removeFromList(listId: string, email: string, signal?: AbortSignal): Promise<RemoveFromListResult> {
    const url = `/list/${encodeURIComponent(listId)}/contact/${encodeURIComponent(email.trim())}`;
    try {
      // The email is in the path: errors name the route only.
      const body = await this.request('DELETE', url, undefined, RemoveFromListResponseSchema, signal, '/list/{list_id}/contact/{email}');
      return typeof body === 'object' && body?.not_modified === true ? 'notMember' : 'removed';
    } catch (err) {
      if (err instanceof AutopilotError && err.kind === 'notFound') return 'notMember';
      throw err;
    }
  }

  /** `GET /lists` (not paged). */
  async listLists(signal?: AbortSignal): Promise<AutopilotList[]> {
    const body = await this.request('GET', '/lists', undefined, ListsResponseSchema, signal);
    return body.lists.map((l) => ({ listId: l.list_id, title: l.title }));
  }

  /** `POST /list`: creates a list and returns its list_id. Autopilot answers 409 if the name exists. */
  async createList(name: string, signal?: AbortSignal): Promise<string> {
    const body = await this.request('POST', '/list', { name }, CreateListResponseSchema, signal);
    return body.list_id;
  }

  /** The ids of the lists titled exactly as the names that exist, by name: one `GET /lists`. */
  async findLists(names: string[], signal?: AbortSignal): Promise<Record<string, string>> {
    const byTitle = new Map((await this.listLists(signal)).map((l) => [l.title, l.listId]));
    return Object.fromEntries(names.flatMap((name) => (byTitle.has(name) ? [[name, byTitle.get(name)!]] : [])));
  }

  /** The ids of the lists titled exactly as the names, creating those missing: one read, then a write per missing list. Idempotent. */
  async ensureLists(names: string[], signal?: AbortSignal): Promise<Record<string, string>> {
    const found = await this.findLists(names, signal);
    return { ...found, ...(await this.createLists(names.filter((n) => found[n] === undefined), signal)) };
  }

  /** Creates a list per name, by name; a list someone else created meanwhile is found instead. */
  async createLists(names: string[], signal?: AbortSignal): Promise<Record<string, string>> {
    const lists: Record<string, string> = {};
    for (const name of names) lists[name] = await this.createList(name, signal).catch((err: unknown) => this.createdMeanwhile(name, err, signal));
    return lists;
  }

  /** Someone created the list between our read and our write (Autopilot answered 409): read it again. */
  private async createdMeanwhile(name: string, err: unknown, signal?: AbortSignal): Promise<string> {
    if (!(err instanceof AutopilotError) || err.status !== 409) throw err;
    const created = (await this.findLists([name], signal))[name];
    if (created === undefined) throw err;
    return created;
  }

  /** Destroys the sockets of agents this client created. */
  close(): void {
    for (const agent of this.ownAgents) agent.destroy();
  }

  private own<A extends http.Agent | https.Agent>(agent: A): A {
    this.ownAgents.push(agent);
    return agent;
  }

  private async request<S extends z.ZodType>(
    method: Method,
    url: string,
    data: unknown,
    schema: S,
    signal: AbortSignal | undefined,
    /** How errors name the request: never a path that holds an email. */
    route: string = url,
  ): Promise<z.output<S>> {
    const { body, status } = await this.send(method, url, data, signal);
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new AutopilotError('unavailable', `Autopilot answered ${status} with an unreadable response to ${method} ${route}`, {
        status,
      });
    }
    return parsed.data;
  }

  /** One request after its turn; a failure leaves as an {@link AutopilotError}, a 2xx body unread. */
  private async send(method: Method, url: string, data: unknown, signal: AbortSignal | undefined): Promise<{ body: unknown; status: number }> {
    await this.beforeRequest?.(signal);
    try {
      const response = await this.http.request({ method, url, data, signal });
      return { body: response.data as unknown, status: response.status };
    } catch (err) {
      throw toAutopilotError(err);
    }
  }
}

function normalizeEmail(email: unknown): string {
  return typeof email === 'string' ? email.trim().toLowerCase() : '';
}
