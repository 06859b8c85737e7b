/** What the fake has seen; tests assert on these instead of on timings. */
export interface DataverseSimStats {
  /** Data API requests received, whatever their answer. */
  requests: number;
  /** Answered by a table route (any status but the gate's 401, 429 and injected 503). */
  served: number;
  /** 429s, from the rate limit. */
  rateLimited: number;
  /**
   * Requests from a client that came before the `Retry-After` it was last given had passed. A request
   * already in flight when the 429 went out counts too, so tests that assert 0 send one at a time.
   */
  earlyRequests: number;
  /** 401s: no token, an unknown one or an expired one. */
  unauthorized: number;
  /** Injected 503s. */
  serverErrors: number;
  /** Requests to the token endpoint, and how many got a token. */
  tokenRequests: number;
  tokensIssued: number;
  /** Pages (200 answers) served, and how many of them had been served before (same query, same cookie). */
  pagesServed: number;
  repeatedPages: number;
  /** Requests per table. */
  byTable: Record<string, number>;
}

export function emptyStats(): DataverseSimStats {
  return {
    requests: 0, served: 0, rateLimited: 0, earlyRequests: 0, unauthorized: 0, serverErrors: 0,
    tokenRequests: 0, tokensIssued: 0, pagesServed: 0, repeatedPages: 0, byTable: {},
  };
}
