import { invalidFieldId, type FieldKind } from '../../../ortto/fields';
import { toPerson } from '../../../ortto/to-person';

const kinds = new Map<string, FieldKind>([['int:cm:price', 'decimal']]);
const contact = (email: string, fields: Record<string, unknown> = {}) => ({ email, fields, place: 'Newsletter' });

describe('toPerson', () => {
  it('merges by email with the segment as a tag, converting each field by its kind and never adding the email permission', () => {
    expect(toPerson(contact(' a@example.com ', { 'str::first': 'Zoë', 'int:cm:price': '9.99', 'int:cm:visits': '3', 'bol:cm:vip': 'true' }), kinds)).toEqual({
      person: { fields: { 'str::email': 'a@example.com', 'str::first': 'Zoë', 'int:cm:price': 9990, 'int:cm:visits': 3, 'bol:cm:vip': true }, tags: ['Newsletter'] },
    });
  });

  it.each([
    ['a@b', 'not an email address Ortto accepts'],
    ['o"brien@example.com', 'not an email address Ortto accepts'],
    [`${'x'.repeat(250)}@example.com`, 'not an email address Ortto accepts'],
  ])('rejects %j before sending', (email, reason) => {
    expect(toPerson(contact(email), kinds)).toEqual({ reason });
  });

  it('rejects a value its field cannot take, naming the field only', () => {
    expect(toPerson(contact('a@example.com', { 'int:cm:visits': 'secret-value' }), kinds)).toEqual({ reason: 'int:cm:visits is not a whole number' });
  });
});

describe('invalidFieldId', () => {
  it.each(['str::first', 'str:cm:job-title', 'int:cm:visits', 'dtz:cm:renewal', 'bol::p'])('takes %s', (id) => expect(invalidFieldId(id)).toBeUndefined());
  it.each(['FirstName', 'string--Plan', 'str::nickname', 'phn::phone', 'str:cm:Job Title'])('refuses %s', (id) => expect(invalidFieldId(id)).toBeDefined());
});
