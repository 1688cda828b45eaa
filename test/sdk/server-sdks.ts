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
      ...(event.userId === undefined
        ? { anonymousId: event.anonymousId! }
        : { userId: event.userId, anonymousId: event.anonymousId }),
      event: event.name,
      properties: event.properties,
      timestamp: event.timestamp,
    });
  }
  await exit();
  return errors;
};

export const sendWithRudder: ServerSdkSender = async (host, key, events) => {
  const errors: unknown[] = [];
  const { client } = await clientFromReadme<RudderAnalytics>('@rudderstack/rudder-sdk-node', host, key, {
    Analytics: RudderAnalytics,
    logger: errorLogger(errors),
  });
  let unanswered = events.length;
  for (const event of events) {
    client.track(
      {
        userId: event.userId,
        anonymousId: event.anonymousId,
        event: event.name,
        properties: event.properties as never,
        timestamp: event.timestamp,
      },
      () => unanswered--,
    );
  }
  // One flush sends at most flushAt events: flush until every event's callback has been called.
  while (unanswered > 0) {
    await new Promise<void>((resolve) => void client.flush(() => resolve()));
  }
  return errors;
};
