/**
 * SQL Server's LIKE, which Dataverse turns `contains()`, `startswith()` and `endswith()` into
 * (https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/filter-rows):
 * `%` is any run of characters, `_` any one, `[…]` one of a set or range (`[^…]` none of it), so
 * `[%]`, `[_]` and `[[]` are those characters themselves. Case is ignored, as Dataverse's default
 * collation ignores it. A `[` that is never closed matches nothing, as in SQL Server.
 */
export function likeMatcher(pattern: string): (text: string) => boolean {
  const source = likeSource(pattern);
  if (source === null) return () => false;
  const regExp = new RegExp(`^${source}$`, 'i');
  return (text) => regExp.test(text);
}

/** `contains(column, text)`: the LIKE pattern `%text%`. */
export function containsMatcher(text: string): (value: string) => boolean {
  return likeMatcher(`%${text}%`);
}

function likeSource(pattern: string): string | null {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '%') source += '[\\s\\S]*';
    else if (char === '_') source += '[\\s\\S]';
    else if (char !== '[') source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) return null;
      source += charClass(pattern.slice(i + 1, end));
      i = end;
    }
  }
  return source;
}

/** The inside of `[…]`: single characters and `a-z` ranges, negated by a leading `^`. */
function charClass(inside: string): string {
  const negated = inside.length > 1 && inside.startsWith('^');
  const members = negated ? inside.slice(1) : inside;
  const escaped = [...members].map((c, i) => (c === '-' && i > 0 && i < members.length - 1 ? '-' : c.replace(/[\\\]^[-]/, '\\$&'))).join('');
  return escaped === '' ? '(?!)' : `[${negated ? '^' : ''}${escaped}]`;
}
