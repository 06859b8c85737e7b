import { createHash } from 'node:crypto';
import type { DataverseSimOptions } from './options';

export type Row = Record<string, unknown>;

/** What Customer Insights – Data writes to Dataverse: unified profiles and one membership row per customer. */
export interface SimTables {
  msdynci_customerprofiles: Row[];
  msdynci_segmentmemberships: Row[];
}
export type TableName = keyof SimTables;
export const TABLES: readonly TableName[] = ['msdynci_customerprofiles', 'msdynci_segmentmemberships'];

/** Demo segments by output name, and which customers (by index) are in each. */
export const DEMO_SEGMENTS: ReadonlyArray<[string, (i: number) => boolean]> = [
  // 2 in 5: 12,000 of the default 30,000 customers, three pages of 5,000.
  ['Newsletter_Subscribers', (i) => i % 5 < 2],
  ['High_Value_Customers', (i) => i % 10 === 0],
  ['Churn_Risk', (i) => i % 7 === 3],
  ['New_Customers', (i) => i % 11 === 5],
];

const FIRST = ['Ann', 'Bob', 'Carla', 'David', 'Emma', 'Felix', 'Grace', 'Hugo', 'Ines', 'Jonas', 'Karin', 'Liam'];
const LAST = ['Lee', 'Smith', 'Garcia', 'Müller', 'Nguyen', 'Okafor', 'Rossi', 'Kim', 'Novak', 'Silva'];
const CITIES = ['Berlin', 'London', 'Lisbon', 'Toronto', 'Austin', 'Sydney'];
const TIERS = ['Bronze', 'Silver', 'Gold'];

/** A 32-hex-digit customer id, like the GUIDs Customer Insights gives unified profiles. */
export function demoCustomerId(seed: number, index: number): string {
  return createHash('sha256').update(`${seed}:${index}`).digest('hex').slice(0, 32);
}

/** Deterministic demo customers: reserved example domains (RFC 2606), some without an email. */
function demoCustomers(count: number, seed: number): NonNullable<DataverseSimOptions['customers']> {
  return Array.from({ length: count }, (_, i) => {
    const first = FIRST[i % FIRST.length];
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length];
    return {
      id: demoCustomerId(seed, i),
      segments: DEMO_SEGMENTS.filter(([, isIn]) => isIn(i)).map(([name]) => name),
      columns: {
        msdynci_firstname: first,
        msdynci_lastname: last,
        msdynci_fullname: `${first} ${last}`,
        msdynci_emailaddress: i % 50 === 1 ? null : `${first}.${last}${i}@example.com`.toLowerCase().replace('ü', 'u'),
        msdynci_city: CITIES[i % CITIES.length],
        contoso_loyaltytier: TIERS[i % TIERS.length],
      },
    };
  });
}

/** The fake's tables, each sorted by `msdynci_customerid`, the order its paging cookies follow. */
export function buildTables(options: DataverseSimOptions): SimTables {
  const customers = options.customers ?? demoCustomers(options.demoCustomers, options.seed);
  const sorted = [...customers].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  // Every row shows every column, null when empty, as Dataverse does.
  const empty = Object.fromEntries([...new Set(sorted.flatMap((c) => Object.keys(c.columns)))].map((k) => [k, null]));
  return {
    msdynci_customerprofiles: sorted.map((c) => ({ msdynci_customerid: c.id, ...empty, ...c.columns })),
    msdynci_segmentmemberships: sorted
      .filter((c) => c.segments.length > 0)
      .map((c) => ({ msdynci_segmentmembershipid: c.id, msdynci_customerid: c.id, msdynci_segments: JSON.stringify(c.segments) })),
  };
}
