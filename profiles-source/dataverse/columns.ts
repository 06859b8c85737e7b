/**
 * Dataverse column names ↔ the attribute names users map in an export.
 *
 * Customer Insights – Data writes unified profiles to `msdynci_customerprofiles` with its columns
 * prefixed by its publisher prefix `msdynci_` (https://learn.microsoft.com/en-us/dynamics365/customer-insights/data/dv-odata).
 * An attribute is a column's logical name without that prefix (`msdynci_emailaddress` → `emailaddress`);
 * columns of other publishers keep their full name (`contoso_tier` → `contoso_tier`), and so does a
 * prefixed column whose short name another column already has. OData annotations (`@odata.etag`,
 * `…@OData.Community.Display.V1.FormattedValue`) are not attributes, and neither is the key
 * `msdynci_customerid`, which is the profile's id. Attribute names match columns exactly or, as
 * Dataverse logical names are lower case, ignoring case.
 */
export const CUSTOMER_ID_COLUMN = 'msdynci_customerid';
const PREFIX = 'msdynci_';

export class ColumnNames {
  private readonly attributeByColumn = new Map<string, string>();
  private readonly columnByAttribute = new Map<string, string>();
  private readonly columnByLowerAttribute = new Map<string, string>();

  /** `columns`: the table's column logical names, as one row of it shows them. */
  constructor(columns: Iterable<string>) {
    const real = [...new Set(columns)].filter((c) => !isAnnotation(c) && c !== CUSTOMER_ID_COLUMN).sort();
    const taken = new Set(real.filter((c) => !c.startsWith(PREFIX)));
    for (const column of real) {
      const short = column.startsWith(PREFIX) ? column.slice(PREFIX.length) : column;
      const attribute = short && (column === short || !taken.has(short)) ? short : column;
      taken.add(attribute);
      this.attributeByColumn.set(column, attribute);
      this.columnByAttribute.set(attribute, column);
      this.columnByLowerAttribute.set(attribute.toLowerCase(), column);
    }
  }

  attributes(): string[] {
    return [...this.columnByAttribute.keys()].sort();
  }

  /** The column of an attribute, or undefined when the table has none (the attribute is then simply absent). */
  columnOf(attribute: string): string | undefined {
    return this.columnByAttribute.get(attribute) ?? this.columnByLowerAttribute.get(attribute.toLowerCase());
  }

  /** A row as attributes: annotations, the key and empty (null) columns dropped, unknown columns named by the same rule. */
  toAttributes(row: Record<string, unknown>): Record<string, unknown> {
    const attributes: Record<string, unknown> = {};
    for (const [column, value] of Object.entries(row)) {
      // null is how Dataverse shows an empty column; absent is how the built-in store shows it.
      if (isAnnotation(column) || column === CUSTOMER_ID_COLUMN || value === null) continue;
      attributes[this.attributeByColumn.get(column) ?? column] = value;
    }
    return attributes;
  }
}

/** `@odata.etag`, `x@OData.Community.Display.V1.FormattedValue`: metadata about values, not values. */
export function isAnnotation(key: string): boolean {
  return key.includes('@');
}
