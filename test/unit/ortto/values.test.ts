import { convertValue } from '../../../ortto/values';

describe('convertValue', () => {
  it.each([
    ['integer', 42, 42],
    ['integer', ' -7 ', -7],
    ['decimal', 12.5, 12500],
    ['decimal', '0.001', 1],
    ['boolean', 'Yes', true],
    ['boolean', 0, false],
    ['date', '2025-03-15', '2025-03-15T00:00:00.000Z'],
    ['birthday', '1990-07-04', { year: 1990, month: 7, day: 4, timezone: 'UTC' }],
    ['geo', 'Zürich', { name: 'Zürich' }],
    ['string', 'Søren-明', 'Søren-明'],
    ['string', 12, '12'],
  ] as const)('%s from %j', (kind, value, expected) => {
    expect(convertValue(kind, value)).toEqual({ value: expected });
  });

  it.each([
    ['integer', 'many', 'is not a whole number'],
    ['integer', 1.5, 'is not a whole number'],
    ['integer', 2 ** 60, 'is not a whole number'],
    ['decimal', 'abc', 'is not a number'],
    ['boolean', 'maybe', 'is not true or false'],
    ['date', 'someday', 'is not a date'],
    ['string', 'x'.repeat(256), 'is longer than 255 characters'],
    ['string', { a: 1 }, 'is not text'],
  ] as const)('refuses %s from %j, saying why without the value', (kind, value, error) => {
    expect(convertValue(kind, value)).toEqual({ error });
  });

  it('counts characters, not UTF-16 units', () => {
    expect(convertValue('string', '明'.repeat(255))).toEqual({ value: '明'.repeat(255) });
    expect(convertValue('string', '😀'.repeat(255))).toEqual({ value: '😀'.repeat(255) });
  });
});
