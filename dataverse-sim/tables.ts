import { Hono } from 'hono';
import type { Row, SimTables, TableName } from './data';
import { odataError, type DataEnv } from './gate';
import { decodeSkipToken, encodeSkipToken, ODataQueryError, parseFilter, parseMaxPageSize, parseSelect } from './odata';
import { MAX_PAGE_SIZE } from './options';
import type { DataverseSimStats } from './stats';

const SUPPORTED_OPTIONS = new Set(['$select', '$filter', '$skiptoken']);
const ENTITY: Record<TableName, string> = {
  msdynci_customerprofiles: 'msdynci_customerprofile',
  msdynci_segmentmemberships: 'msdynci_segmentmembership',
};

/**
 * `GET /api/data/v9.2/{table}` for the two Customer Insights tables: rows in key order, `$select`,
 * the supported `$filter` shapes, pages of `Prefer: odata.maxpagesize` (≤ 5,000) with an
 * `@odata.nextLink` carrying a `$skiptoken` paging cookie until the last page. `$skip` is refused, as
 * Dataverse refuses it (https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/page-results).
 */
export function tableRoutes(tables: SimTables, stats: DataverseSimStats): Hono<DataEnv> {
  const servedPages = new Set<string>();
  const app = new Hono<DataEnv>();
  for (const table of Object.keys(tables) as TableName[]) {
    const rows = tables[table];
    const columns = new Set(Object.keys(rows[0] ?? { msdynci_customerid: null, msdynci_segments: null }));
    app.get(`/${table}`, (c) => {
      const query = c.req.query();
      try {
        if ('$skip' in query) return odataError(c, 400, '0x80060888', 'The query parameter $skip is not supported');
        const other = Object.keys(query).find((k) => k.startsWith('$') && !SUPPORTED_OPTIONS.has(k));
        if (other) throw new ODataQueryError(`The query option ${other} is not supported by the Dataverse fake`);
        const select = parseSelect(query.$select, columns, ENTITY[table]);
        const matches = parseFilter(query.$filter, columns);
        const cookie = query.$skiptoken === undefined ? { pageNumber: 1, lastId: '' } : decodeSkipToken(query.$skiptoken);
        const { size, applied } = parseMaxPageSize(c.req.header('prefer'), MAX_PAGE_SIZE);
        const after = rows.filter((r) => (r.msdynci_customerid as string) > cookie.lastId && matches(r));
        const page = after.slice(0, size);
        const key = `${table}?${query.$select ?? ''}&${query.$filter ?? ''}#${cookie.lastId}`;
        if (servedPages.has(key)) stats.repeatedPages++;
        servedPages.add(key);
        stats.pagesServed++;
        const origin = new URL(c.req.url).origin;
        const body: Record<string, unknown> = {
          '@odata.context': `${origin}/api/data/v9.2/$metadata#${table}${select ? `(${select.join(',')})` : ''}`,
          value: page.map((r) => shape(r, select)),
        };
        if (after.length > page.length) body['@odata.nextLink'] = nextLink(origin, table, query, cookie.pageNumber + 1, page);
        return c.json(body, 200, applied ? { 'Preference-Applied': `odata.maxpagesize=${size}`, 'OData-Version': '4.0' } : { 'OData-Version': '4.0' });
      } catch (err) {
        if (err instanceof ODataQueryError) return odataError(c, 400, '0x80060888', err.message);
        throw err;
      }
    });
  }
  return app;
}

/** A row as Dataverse shows it: an etag, then the selected columns (the key is always there). */
function shape(row: Row, select: string[] | undefined): Row {
  const etag = { '@odata.etag': `W/"${parseInt(String(row.msdynci_customerid).slice(0, 6), 16) || 1}"` };
  if (!select) return { ...etag, ...row };
  return { ...etag, ...Object.fromEntries(select.map((col) => [col, row[col] ?? null])), msdynci_customerid: row.msdynci_customerid };
}

function nextLink(origin: string, table: string, query: Record<string, string>, pageNumber: number, page: Row[]): string {
  const first = String(page[0].msdynci_customerid);
  const last = String(page[page.length - 1].msdynci_customerid);
  const kept = ['$select', '$filter'].filter((k) => query[k] !== undefined).map((k) => `${k}=${encodeURIComponent(query[k])}`);
  kept.push(`$skiptoken=${encodeURIComponent(encodeSkipToken(pageNumber, first, last))}`);
  return `${origin}/api/data/v9.2/${table}?${kept.join('&')}`;
}
