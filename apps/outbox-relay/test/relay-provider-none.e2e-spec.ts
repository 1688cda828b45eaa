import request from 'supertest';
import { clientEventInputs, waitFor } from '@app/testing';
import { RelayHarness, startRelayHarness, statusCounts } from './relay.harness';

describe('outbox-relay with MQ_PROVIDER=none', () => {
  let harness: RelayHarness;

  beforeAll(async () => {
    harness = await startRelayHarness('relay_none', { MQ_PROVIDER: 'none' });
  });

  afterAll(async () => {
    await harness.close();
  });

  it('leaves rows PENDING and logs the runbook line with the count', async () => {
    const events = clientEventInputs(5);
    await request(harness.ingest.url)
      .post('/api/v1/analytics/events')
      .send({ anonymousId: 'anon-n', events })
      .expect(202);
    const line = await waitFor(
      'the provider-none line',
      () => harness.relays[0].logs.withMsg('메시지큐 provider가 none이라 User Activity 발행을 건너뜁니다'),
      (lines) => lines.length > 0,
    );
    expect(line[0]).toMatchObject({
      signal: 'mq_provider_none',
      count: 5,
      level: 'warn',
      context: 'OutboxRelayWorker',
    });
    expect(await statusCounts(harness.db)).toEqual({ PENDING: 5 });
    expect(await harness.drainObserver()).toHaveLength(0);
  });
});
