import { Account } from './account';
import { KeyRuntime } from './stats';

/** Everything the simulator remembers, per API key: one account and its request counters. */
export class SimState {
  private readonly activeKeys: Set<string>;
  /** Keys revoked or rotated away: refused even when any key is accepted. */
  private readonly revokedKeys = new Set<string>();
  private accounts = new Map<string, Account>();
  private runtimes = new Map<string, KeyRuntime>();

  /** `acceptAnyKey`: every key is an account of its own until revoked (for fuzzing, where keys are generated). */
  constructor(
    keys: string[],
    private readonly acceptAnyKey = false,
  ) {
    this.activeKeys = new Set(keys);
  }

  isActive(key: string): boolean {
    return this.activeKeys.has(key) || (this.acceptAnyKey && !this.revokedKeys.has(key));
  }

  addKey(key: string): void {
    this.activeKeys.add(key);
    this.revokedKeys.delete(key);
  }

  /** The account's data is kept, as if the key could be restored; requests with it get 401. */
  revokeKey(key: string): void {
    this.activeKeys.delete(key);
    this.revokedKeys.add(key);
  }

  /** Like Autopilot's "regenerate key": the old key stops working at once, the account stays. */
  rotateKey(oldKey: string, newKey: string): void {
    this.accounts.set(newKey, this.account(oldKey));
    this.activeKeys.delete(oldKey);
    this.revokedKeys.add(oldKey);
    this.activeKeys.add(newKey);
    this.revokedKeys.delete(newKey);
  }

  account(key: string): Account {
    let account = this.accounts.get(key);
    if (!account) this.accounts.set(key, (account = new Account()));
    return account;
  }

  /** Like {@link account}, but does not create one: for read-only inspection. */
  peekAccount(key: string): Account | undefined {
    return this.accounts.get(key);
  }

  runtime(key: string): KeyRuntime {
    let runtime = this.runtimes.get(key);
    if (!runtime) this.runtimes.set(key, (runtime = new KeyRuntime()));
    return runtime;
  }

  /** Keys (active or revoked) that have made requests. */
  keysWithRuntime(): Array<[string, KeyRuntime]> {
    return [...this.runtimes.entries()];
  }

  peekRuntime(key: string): KeyRuntime | undefined {
    return this.runtimes.get(key);
  }

  /** Forgets contacts, lists (unless `keepLists`: they stay, emptied), counters and rate windows; keys stay as they are. */
  reset(options: { keepLists?: boolean } = {}): void {
    if (options.keepLists) for (const account of this.accounts.values()) account.forgetContacts();
    else this.accounts = new Map();
    this.runtimes = new Map();
  }
}
