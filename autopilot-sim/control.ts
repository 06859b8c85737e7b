import type { ContactRead } from '../autopilot/contract';
import { toContactRead } from './contact-shape';
import type { Faults } from './faults';
import { keyLabel, type FaultOptionsInput } from './options';
import type { SimState } from './state';
import { emptyStats, sumStats, type SimStats } from './stats';

/** A stored contact in read shape, with its lists by id and by title (always present). */
export interface SimContact extends ContactRead {
  lists: string[];
  list_titles: string[];
}

export interface SimListView {
  list_id: string;
  title: string;
  total_contacts: number;
}

/** In-process control of a running simulator, for tests and benchmarks. Not reachable over HTTP. */
export interface SimControl {
  /** Merges into the current fault settings; throws on invalid values. */
  setFaults(partial: FaultOptionsInput): void;
  addKey(key: string): void;
  /** Requests with the key get 401 from now on; its data is kept. */
  revokeKey(key: string): void;
  /** The account keeps its data under the new key; the old key gets 401 from now on. */
  rotateKey(oldKey: string, newKey: string): void;
  /**
   * Clears contacts, lists, counters, rate windows and bursts of every key. Keys and faults stay.
   * `keepLists`: the lists stay (emptied, same ids), so a run after it sees only what it sends itself.
   */
  reset(options?: { keepLists?: boolean }): void;
  /** As when a user deletes a list in Autopilot's app; false when the key's account has no such list. */
  deleteList(key: string, listId: string): boolean;
  contacts(key: string): SimContact[];
  lists(key: string): SimListView[];
  /** Counters of one key, or summed over all keys (`maxPerSecond` is then the highest per key). */
  stats(key?: string): SimStats;
  /** Counters of every key that made requests, by {@link keyLabel}. */
  statsByLabel(): Record<string, SimStats>;
}

export function createSimControl(state: SimState, faults: Faults): SimControl {
  return {
    setFaults: (partial) => faults.set(partial),
    addKey: (key) => state.addKey(key),
    revokeKey: (key) => state.revokeKey(key),
    rotateKey: (oldKey, newKey) => state.rotateKey(oldKey, newKey),
    reset: (options) => state.reset(options),
    deleteList: (key, listId) => state.peekAccount(key)?.deleteList(listId) ?? false,
    contacts(key) {
      const account = state.peekAccount(key);
      if (!account) return [];
      return account.allContacts().map((contact) => {
        const lists = [...contact.lists];
        const titles = lists.map((id) => account.getList(id)?.title ?? id);
        return { ...toContactRead(contact), lists, list_titles: titles };
      });
    },
    lists(key) {
      const lists = state.peekAccount(key)?.lists() ?? [];
      return lists.map((l) => ({ list_id: l.list_id, title: l.title, total_contacts: l.members.size }));
    },
    stats(key) {
      if (key !== undefined) return copy(state.peekRuntime(key)?.stats ?? emptyStats());
      return sumStats(state.keysWithRuntime().map(([, runtime]) => runtime.stats));
    },
    statsByLabel() {
      const byLabel: Record<string, SimStats> = {};
      for (const [key, runtime] of state.keysWithRuntime()) {
        let label = keyLabel(key);
        for (let n = 2; label in byLabel; n++) label = `${keyLabel(key)}#${n}`;
        byLabel[label] = copy(runtime.stats);
      }
      return byLabel;
    },
  };
}

function copy(stats: SimStats): SimStats {
  return { ...stats, removalsByList: { ...stats.removalsByList }, byPath: { ...stats.byPath } };
}
