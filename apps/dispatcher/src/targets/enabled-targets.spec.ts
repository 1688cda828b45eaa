import { DispatcherConfig } from '../dispatcher.config';
import { enabledTargets } from './enabled-targets';

function config(enabled: boolean, key: string): DispatcherConfig {
  return {
    ANALYTICS_POSTHOG_ENABLED: enabled,
    ANALYTICS_POSTHOG_API_KEY: key,
    ANALYTICS_POSTHOG_HOST: 'http://127.0.0.1:1',
    DISPATCH_CONNECT_TIMEOUT: 1_000,
    DISPATCH_TIMEOUT: 1_000,
  } as DispatcherConfig;
}

describe('enabledTargets', () => {
  it('runs PostHog exactly when the event store enqueues for it: enabled, with a non-blank key', () => {
    const targets = enabledTargets(config(true, 'phc_key'));
    expect(targets.map((target) => target.name)).toEqual(['POSTHOG']);
    targets.forEach((target) => target.close());
    expect(enabledTargets(config(true, ' '))).toEqual([]);
    expect(enabledTargets(config(true, ''))).toEqual([]);
    expect(enabledTargets(config(false, 'phc_key'))).toEqual([]);
  });
});
