import { z } from 'zod';
import { env } from './config-fields';

export const posthogSchema = z.object({
  ANALYTICS_POSTHOG_ENABLED: env.bool(false),
  // A key read from a mounted secret often ends with a newline; PostHog would refuse it with it.
  ANALYTICS_POSTHOG_API_KEY: env.optionalString().transform((key) => key.trim()),
  ANALYTICS_POSTHOG_HOST: env.url('https://us.i.posthog.com', ['http', 'https']),
});

/** What admin-api needs to tell whether PostHog dispatch is on, without the host. */
export const posthogSwitchSchema = posthogSchema.pick({
  ANALYTICS_POSTHOG_ENABLED: true,
  ANALYTICS_POSTHOG_API_KEY: true,
});

export type PosthogSwitch = z.output<typeof posthogSwitchSchema>;

/**
 * The one rule for "PostHog dispatch is on" (DESIGN §8): enabled and given a non-blank API key. The event store
 * enqueues POSTHOG rows, the dispatcher runs its loop and admin-api reports the target enabled exactly then.
 */
export function posthogDispatchEnabled(config: PosthogSwitch): boolean {
  return config.ANALYTICS_POSTHOG_ENABLED && config.ANALYTICS_POSTHOG_API_KEY.trim() !== '';
}
