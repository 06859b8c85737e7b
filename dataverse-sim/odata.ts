import type { Row } from './data';
import { containsMatcher } from './like';

/**
 * The slice of OData the fake understands: `$select`, the two `$filter` shapes the Customer Insights
 * docs use, and Dataverse-style paging cookies. Anything else is refused as Dataverse would refuse an
 * invalid query (400), so a client that drifts from the documented queries fails its tests.
 */
export class ODataQueryError extends Error {}

export type RowFilter = (row: Row) => boolean;

const STRING = `'((?:[^']|'')*)'`;
const CONTAINS = new RegExp(`^contains\\(\\s*(\\w+)\\s*,\\s*${STRING}\\s*\\)$`);
const EQ_TERM = new RegExp(`^\\s*msdynci_customerid\\s+eq\\s+${STRING}\\s*`);

const unquote = (literal: string) => literal.replace(/''/g, "'");

/** `contains(msdynci_segments,'"X"')` (see {@link containsMatcher}) or `msdynci_customerid eq 'a' or msdynci_customerid eq 'b' …`. */
export function parseFilter(filter: string | undefined, columns: Set<string>): RowFilter {
  if (filter === undefined) return () => true;
  const contains = CONTAINS.exec(filter.trim());
  if (contains) {
    const [, column, literal] = contains;
    if (column !== 'msdynci_segments' || !columns.has(column)) throw new ODataQueryError(`contains() is supported on msdynci_segments only, not ${column}`);
    // LIKE semantics, as in Dataverse: an unescaped `%` in the text matches every row.
    const matches = containsMatcher(unquote(literal));
    return (row) => typeof row[column] === 'string' && matches(row[column] as string);
  }
  const ids = parseIdTerms(filter);
  return (row) => ids.has(row.msdynci_customerid as string);
}

function parseIdTerms(filter: string): Set<string> {
  const ids = new Set<string>();
  let rest = filter;
  for (;;) {
    const term = EQ_TERM.exec(rest);
    if (!term) throw new ODataQueryError('The $filter is not one of the supported shapes');
    ids.add(unquote(term[1]));
    rest = rest.slice(term[0].length);
    if (rest === '') return ids;
    const or = /^or\s+/.exec(rest);
    if (!or) throw new ODataQueryError('The $filter is not one of the supported shapes');
    rest = rest.slice(or[0].length);
  }
}

/** `$select=a,b`: unknown columns are refused like Dataverse refuses them. */
export function parseSelect(select: string | undefined, columns: Set<string>, entity: string): string[] | undefined {
  if (select === undefined) return undefined;
  const names = select.split(',').map((s) => s.trim());
  const unknown = names.find((n) => !columns.has(n));
  if (unknown !== undefined) throw new ODataQueryError(`Could not find a property named '${unknown}' on type 'Microsoft.Dynamics.CRM.${entity}'.`);
  return names;
}

/** `Prefer: odata.maxpagesize=N`; Dataverse ignores values above 5,000 and uses 5,000 then and by default. */
export function parseMaxPageSize(prefer: string | undefined, max: number): { size: number; applied: boolean } {
  const match = /odata\.maxpagesize=(\d+)/i.exec(prefer ?? '');
  const asked = match ? Number(match[1]) : 0;
  return asked >= 1 && asked <= max ? { size: asked, applied: true } : { size: max, applied: false };
}

/**
 * A paging cookie shaped like Dataverse's (`<cookie pagenumber="2" pagingcookie="…" istracking="False" />`,
 * see https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/page-results):
 * the page number and the last key of the previous page, doubly URL-encoded inside.
 */
export function encodeSkipToken(pageNumber: number, firstId: string, lastId: string): string {
  const inner = `<cookie page="${pageNumber - 1}"><msdynci_customerid last="${xml(lastId)}" first="${xml(firstId)}" /></cookie>`;
  return `<cookie pagenumber="${pageNumber}" pagingcookie="${encodeURIComponent(encodeURIComponent(inner))}" istracking="False" />`;
}

export function decodeSkipToken(token: string): { pageNumber: number; lastId: string } {
  const page = /pagenumber="(\d+)"/.exec(token);
  const cookie = /pagingcookie="([^"]*)"/.exec(token);
  let inner = '';
  try {
    inner = cookie ? decodeURIComponent(decodeURIComponent(cookie[1])) : '';
  } catch {
    inner = '';
  }
  const last = /last="([^"]*)"/.exec(inner);
  if (!page || !last) throw new ODataQueryError('The $skiptoken is not a valid paging cookie');
  return { pageNumber: Number(page[1]), lastId: unxml(last[1]) };
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
const unxml = (s: string) => s.replace(/&lt;/g, '<').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
