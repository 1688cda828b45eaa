import request from 'supertest';
import { clientEventInputs, waitFor } from '@app/testing';
import { RelayHarness, startRelayHarness, statusCounts } from './relay.harness';

describe('two outbox-relay replicas on one database', () => {
  let harness: RelayHarness;

  beforeAll(async () => {
    harness = await startRelayHarness('relay_replicas', { RELAY_BATCH_SIZE: '20' });
    await harness.startRelay({ RELAY_BATCH_SIZE: '20' });
  });

  afterAll(async () => {
    await harness.close();
  });

  it('publishes each row exactly once', async () => {
    const eventIds: string[] = [];
    for (let i = 0; i < 10; i++) {
      const events = clientEventInputs(40);
      eventIds.push(...events.map((e) => e.eventId));
      await request(harness.ingest.url)
        .post('/api/v1/analytics/events')
        .send({ anonymousId: `anon-${i}`, events })
        .expect(202);
    }
    await waitFor(
      'all PUBLISHED',
      () => statusCounts(harness.db),
      (c) => c.PUBLISHED === 400,
      30_000,
    );
    const messages: string[] = [];
    await waitFor(
      '400 messages',
      async () => {
        messages.push(...(await harness.drainObserver()).map((m) => m.properties.messageId as string));
        return messages.length;
      },
      (count) => count >= 400,
    );
    expect(messages).toHaveLength(400);
    expect(new Set(messages)).toEqual(new Set(eventIds));
    const published = await Promise.all(
      harness.relays.map(async (relay) => {
        const text = (await request(relay.url).get('/metrics')).text;
        const match = /analytics_user_activity_outbox_publish_total\{result="success",app="outbox-relay"\} (\d+)/.exec(
          text,
        );
        return Number(match?.[1] ?? 0);
      }),
    );
    expect(published[0] + published[1]).toBe(400);
  });
});
