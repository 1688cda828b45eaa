import { createValidationPipe } from '@app/http';
import { clampLimit, LimitParam } from './limit-param';

class LimitQuery {
  @LimitParam({ fallback: 100, max: 500 })
  limit?: number;
}

async function parse(limit: unknown): Promise<number | undefined | 'invalid'> {
  try {
    const query = (await createValidationPipe().transform(limit === undefined ? {} : { limit }, {
      type: 'query',
      metatype: LimitQuery,
    })) as LimitQuery;
    return query.limit;
  } catch {
    return 'invalid';
  }
}

describe('the limit query parameter', () => {
  it('takes decimal digits up to 2^31-1; a blank or missing one is the default', async () => {
    expect(await parse('200')).toBe(200);
    expect(await parse('007')).toBe(7);
    expect(await parse('0')).toBe(0);
    expect(await parse('2147483647')).toBe(2147483647);
    expect(await parse('')).toBeUndefined();
    expect(await parse(undefined)).toBeUndefined();
  });

  it('refuses anything that is not a plain non-negative integer', async () => {
    for (const value of [
      'abc',
      '-5',
      '-0',
      '1.5',
      '1e3',
      '+5',
      '0x10',
      ' 5',
      '5 ',
      '2147483648',
      '99999999999',
      ['1', '2'],
    ]) {
      expect([value, await parse(value)]).toEqual([value, 'invalid']);
    }
  });

  it('is clamped to [1, max] with the default when missing', () => {
    const bounds = { fallback: 100, max: 500 };
    expect(clampLimit(undefined, bounds)).toBe(100);
    expect(clampLimit(0, bounds)).toBe(1);
    expect(clampLimit(1, bounds)).toBe(1);
    expect(clampLimit(200, bounds)).toBe(200);
    expect(clampLimit(999, bounds)).toBe(500);
    expect(clampLimit(2147483647, { fallback: 50, max: 200 })).toBe(200);
  });
});
