import { loadConfig, posthogDispatchEnabled } from '@app/config';
import { adminSchema } from '../../apps/admin-api/src/admin-api.config';
import { dispatcherSchema } from '../../apps/dispatcher/src/dispatcher.config';
import { eventStoreSchema } from '../../apps/event-store-consumer/src/event-store-consumer.config';

describe('posthogDispatchEnabled', () => {
  it.each([
    [{ ANALYTICS_POSTHOG_ENABLED: 'true', ANALYTICS_POSTHOG_API_KEY: 'phc_key' }, true],
    [{ ANALYTICS_POSTHOG_ENABLED: '1', ANALYTICS_POSTHOG_API_KEY: ' phc_key\n' }, true],
    [{ ANALYTICS_POSTHOG_ENABLED: 'true', ANALYTICS_POSTHOG_API_KEY: '' }, false],
    [{ ANALYTICS_POSTHOG_ENABLED: 'true', ANALYTICS_POSTHOG_API_KEY: '  ' }, false],
    [{ ANALYTICS_POSTHOG_ENABLED: 'true', ANALYTICS_POSTHOG_API_KEY: '\t\n' }, false],
    [{ ANALYTICS_POSTHOG_ENABLED: 'true' }, false],
    [{ ANALYTICS_POSTHOG_ENABLED: 'false', ANALYTICS_POSTHOG_API_KEY: 'phc_key' }, false],
    [{ ANALYTICS_POSTHOG_API_KEY: 'phc_key' }, false],
  ])('gives the same answer in every app that reads it for %j', (env, enabled) => {
    for (const schema of [eventStoreSchema, dispatcherSchema, adminSchema]) {
      expect(posthogDispatchEnabled(loadConfig(schema, env))).toBe(enabled);
    }
  });

  it('hands the dispatcher the key without the whitespace around it', () => {
    const config = loadConfig(dispatcherSchema, { ANALYTICS_POSTHOG_API_KEY: ' phc_key\n' });
    expect(config.ANALYTICS_POSTHOG_API_KEY).toBe('phc_key');
  });

  it('also holds for a config built by hand, untrimmed', () => {
    expect(posthogDispatchEnabled({ ANALYTICS_POSTHOG_ENABLED: true, ANALYTICS_POSTHOG_API_KEY: ' ' })).toBe(false);
  });
});
