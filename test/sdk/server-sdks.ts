import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import { PostHog } from 'posthog-node';
import { clientFromReadme } from './readme-snippets';

/** One event a backend sends, said once for every SDK. */
export interface ServerTestEvent {
  seq: number;
  name: string;
  /** posthog-node's distinctId (else the anonymous id), Segment's and RudderStack's userId. */
  userId?: string;
  anonymousId?: string;
  /** Given to the SDK; when absent the SDK stamps the time of the call. */
  timestamp?: Date;
  properties: Record<string, unknown>;
}

/**
 * Sends `events` with a client made by the README's lines for that SDK, as an application would, and resolves once
 * the SDK is done (retries included); returns what the SDK reported through the README's error hook.
 */
export type ServerSdkSender = (host: string, key: string, events: ServerTestEvent[]) => Promise<unknown[]>;

/** Segment's and RudderStack's identity fields: a user id, an anonymous id, or both. */
function who(event: ServerTestEvent): { userId: string; anonymousId?: string } | { anonymousId: string } {
  return event.userId === undefined
    ? { anonymousId: event.anonymousId! }
    : { userId: event.userId, anonymousId: event.anonymousId };
}

function errorLogger(errors: unknown[]): { warn: (error: unknown) => void } {
  return { warn: (error) => errors.push(error) };
}

export const sendWithPosthogNode: ServerSdkSender = async (host, key, events) => {
  const errors: unknown[] = [];
  const { client, exit } = await clientFromReadme<PostHog>('posthog-node', host, key, {
    PostHog,
    logger: errorLogger(errors),
  });
  for (const event of events) {
    client.capture({
      distinctId: event.userId ?? event.anonymousId!,
      event: event.name,
      properties: event.properties,
      timestamp: event.timestamp,
    });
  }
  await exit();
  return errors;
};

export const sendWithSegment: ServerSdkSender = async (host, key, events) => {
  const errors: unknown[] = [];
  const { client, exit } = await clientFromReadme<SegmentAnalytics>('@segment/analytics-node', host, key, {
    Analytics: SegmentAnalytics,
    logger: errorLogger(errors),
  });
  for (const event of events) {
    client.track({
      ...who(event),
      event: event.name,
      properties: event.properties,
      timestamp: event.timestamp,
    });
  }
  await exit();
  return errors;
};

/** The SDK's default `flushAt`. */
const RUDDER_FLUSH_AT = 20;

type RudderProperties = Parameters<RudderAnalytics['track']>[0]['properties'];

export const sendWithRudder: ServerSdkSender = async (host, key, events) => {
  const errors: unknown[] = [];
  const { client } = await clientFromReadme<RudderAnalytics>('@rudderstack/rudder-sdk-node', host, key, {
    Analytics: RudderAnalytics,
    logger: errorLogger(errors),
  });
  const answered = events.map(
    (event) =>
      new Promise<void>((resolve) => {
        client.track(
          {
            ...who(event),
            event: event.name,
            properties: event.properties as RudderProperties,
            timestamp: event.timestamp,
          },
          () => resolve(),
        );
      }),
  );
  // One flush sends at most flushAt (20) of the queued events; each call takes the next ones.
  for (let flushes = 0; flushes * RUDDER_FLUSH_AT < events.length; flushes++) {
    void client.flush();
  }
  await Promise.all(answered);
  return errors;
};
