import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import { PostHog } from 'posthog-node';

/** One event a backend sends, said once for every SDK. */
export interface ServerTestEvent {
  seq: number;
  name: string;
  /** posthog-node's distinctId, Segment's and RudderStack's userId. */
  userId?: string;
  /** Segment's and RudderStack's anonymousId (posthog-node has only the distinctId). */
  anonymousId?: string;
  /** Given to the SDK; when absent the SDK stamps the time of the call. */
  timestamp?: Date;
  properties: Record<string, unknown>;
}

/** Sends `events` with a fresh client as an application does, until the SDK says it is done; returns its errors. */
export type ServerSdkSender = (host: string, key: string, events: ServerTestEvent[]) => Promise<unknown[]>;

export const sendWithPosthogNode: ServerSdkSender = async (host, key, events) => {
  const errors: unknown[] = [];
  const client = new PostHog(key, { host });
  client.on('error', (error: unknown) => errors.push(error));
  for (const event of events) {
    client.capture({
      distinctId: event.userId!,
      event: event.name,
      properties: event.properties,
      timestamp: event.timestamp,
    });
  }
  // Flushes what is queued, retries included, then stops.
  await client.shutdown();
  return errors;
};

export const sendWithSegment: ServerSdkSender = async (host, key, events) => {
  const errors: unknown[] = [];
  const analytics = new SegmentAnalytics({ writeKey: key, host });
  analytics.on('error', (error: unknown) => errors.push(error));
  for (const event of events) {
    const who = event.userId === undefined ? { anonymousId: event.anonymousId! } : { userId: event.userId };
    analytics.track({
      ...who,
      ...(event.userId !== undefined && event.anonymousId !== undefined ? { anonymousId: event.anonymousId } : {}),
      event: event.name,
      properties: event.properties,
      timestamp: event.timestamp,
    });
  }
  await analytics.closeAndFlush();
  return errors;
};

export const sendWithRudder: ServerSdkSender = async (host, key, events) => {
  const errors: unknown[] = [];
  // Without an errorHandler a failed automatic flush is an unhandled rejection.
  const client = new RudderAnalytics(key, { dataPlaneUrl: host, errorHandler: (error?: unknown) => errors.push(error) });
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
