import { posthogDispatchEnabled } from '@app/config';
import { DispatcherConfig } from '../dispatcher.config';
import { DispatchTarget } from './dispatch-target';
import { PosthogTarget } from './posthog.target';

/** The targets this dispatcher runs a loop for; PostHog only when enabled and given an API key (the rule in config). */
export function enabledTargets(config: DispatcherConfig): DispatchTarget[] {
  const targets: DispatchTarget[] = [];
  if (posthogDispatchEnabled(config)) {
    targets.push(
      new PosthogTarget({
        apiKey: config.ANALYTICS_POSTHOG_API_KEY,
        host: config.ANALYTICS_POSTHOG_HOST,
        connectTimeoutMs: config.DISPATCH_CONNECT_TIMEOUT,
        timeoutMs: config.DISPATCH_TIMEOUT,
      }),
    );
  }
  return targets;
}
