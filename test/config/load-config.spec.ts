import { ConfigValidationError, loadConfig, maskUrl } from '@app/config';
import { relaySchema } from '../../apps/outbox-relay/src/outbox-relay.config';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(relaySchema, {});
    expect(config.PORT).toBe(3001);
    expect(config.RELAY_BATCH_SIZE).toBe(500);
    expect(config.RELAY_RETRY_BASE_DELAY).toBe(10_000);
    expect(config.RELAY_RETRY_MAX_DELAY).toBe(640_000);
    expect(config.MQ_PROVIDER).toBe('rabbitmq');
  });

  it('lists every bad variable in one error', () => {
    let caught: unknown;
    try {
      loadConfig(relaySchema, {
        PORT: 'eighty',
        RELAY_POLL_INTERVAL: '1s',
        MQ_PROVIDER: 'kafka',
        DATABASE_URL: 'mysql://x',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigValidationError);
    const problems = (caught as ConfigValidationError).problems.join('\n');
    for (const name of ['PORT', 'RELAY_POLL_INTERVAL', 'MQ_PROVIDER', 'DATABASE_URL']) {
      expect(problems).toContain(name);
    }
  });

  it('masks the password of a URL', () => {
    expect(maskUrl('amqp://guest:secret@127.0.0.1:5672')).toBe('amqp://guest:****@127.0.0.1:5672');
  });
});
