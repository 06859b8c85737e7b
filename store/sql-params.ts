/**
 * A statement's parameters by name: `$.name` is the placeholder to write in its text, `values`
 * lists what to bind, in the same order. No placeholder is counted by hand.
 */
export function sqlParams<const Names extends readonly string[]>(names: Names) {
  type Name = Names[number];
  const $ = Object.fromEntries(names.map((name, i) => [name, `$${i + 1}`])) as Record<Name, string>;
  const values = (given: Record<Name, unknown>): unknown[] => names.map((name: Name) => given[name]);
  return { $, values };
}
