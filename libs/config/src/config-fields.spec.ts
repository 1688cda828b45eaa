import { z } from 'zod';
import { env } from './config-fields';

/** The value a field gives for one env value, or the messages it refuses it with. */
function read(field: z.ZodType, value: string | undefined): unknown {
  const result = z.object({ FIELD: field }).safeParse(value === undefined ? {} : { FIELD: value });
  return result.success ? result.data.FIELD : { refused: result.error.issues.map((issue) => issue.message) };
}

describe('env fields', () => {
  it('bool: true/false or 1/0, its default when unset, anything else refused', () => {
    expect(read(env.bool(true), undefined)).toBe(true);
    expect(read(env.bool(false), undefined)).toBe(false);
    expect(read(env.bool(false), '1')).toBe(true);
    expect(read(env.bool(true), '0')).toBe(false);
    expect(read(env.bool(false), 'true')).toBe(true);
    expect(read(env.bool(true), 'yes')).toHaveProperty('refused');
  });

  it('durationMs: an ISO-8601 duration in milliseconds, its default when unset, the value quoted when refused', () => {
    expect(read(env.durationMs('PT10S'), undefined)).toBe(10_000);
    expect(read(env.durationMs('PT10S'), 'PT0.5S')).toBe(500);
    expect(read(env.durationMs('PT10S'), '10s')).toEqual({
      refused: ['expected an ISO-8601 duration such as PT10S, got "10s"'],
    });
  });

  it('optionalDurationMs: null when unset, milliseconds when set, the value quoted when refused', () => {
    expect(read(env.optionalDurationMs(), undefined)).toBeNull();
    expect(read(env.optionalDurationMs(), 'PT1H')).toBe(3_600_000);
    expect(read(env.optionalDurationMs(), '1h')).toEqual({
      refused: ['expected an ISO-8601 duration such as PT1H, got "1h"'],
    });
  });

  it('int: whole numbers within bounds', () => {
    expect(read(env.int(5, 1, 10), undefined)).toBe(5);
    expect(read(env.int(5, 1, 10), '10')).toBe(10);
    expect(read(env.int(5, 1, 10), '11')).toHaveProperty('refused');
    expect(read(env.int(5, 1, 10), '0')).toHaveProperty('refused');
    expect(read(env.int(5, 1, 10), '2.5')).toHaveProperty('refused');
  });

  it('url: only the protocols given', () => {
    expect(read(env.url('amqp://localhost', ['amqp', 'amqps']), 'amqps://mq:5671')).toBe('amqps://mq:5671');
    expect(read(env.url('amqp://localhost', ['amqp', 'amqps']), 'http://mq')).toEqual({
      refused: ['expected a amqp or amqps URL'],
    });
  });

  it('list: comma separated, items trimmed, empty items dropped', () => {
    expect(read(env.list('a,b'), undefined)).toEqual(['a', 'b']);
    expect(read(env.list(''), ' x , ,y ,')).toEqual(['x', 'y']);
    expect(read(env.list(''), '')).toEqual([]);
  });

  it('trustProxy: none when unset, a hop count, or addresses, CIDRs and names', () => {
    expect(read(env.trustProxy(), undefined)).toEqual([]);
    expect(read(env.trustProxy(), ' 2 ')).toBe(2);
    expect(read(env.trustProxy(), '10.0.0.0/8, loopback,')).toEqual(['10.0.0.0/8', 'loopback']);
    expect(read(env.trustProxy(), '2 hops')).toEqual({
      refused: [expect.stringMatching(/^expected a hop count or addresses and CIDRs: .*2 hops/)],
    });
    expect(read(env.trustProxy(), '10.0.0.0/99')).toHaveProperty('refused');
  });
});
