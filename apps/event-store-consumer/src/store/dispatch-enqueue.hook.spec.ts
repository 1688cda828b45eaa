import { EventStoreConfig } from '../event-store-consumer.config';
import { enabledDispatchTargets } from './dispatch-enqueue.hook';

function config(enabled: boolean, key: string): EventStoreConfig {
  return { ANALYTICS_POSTHOG_ENABLED: enabled, ANALYTICS_POSTHOG_API_KEY: key } as EventStoreConfig;
}

describe('enabledDispatchTargets', () => {
  it('enqueues for PostHog only when it is enabled and has an API key', () => {
    expect(enabledDispatchTargets(config(true, 'phc_key'))).toEqual(['POSTHOG']);
    expect(enabledDispatchTargets(config(true, ' '))).toEqual([]);
    expect(enabledDispatchTargets(config(false, 'phc_key'))).toEqual([]);
  });
});
