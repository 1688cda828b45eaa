import { Agent, request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { sleep, waitFor } from '@app/testing';
import { IngestHarness, startIngest } from './ingest-api.harness';

interface Answer {
  status: number;
  eventId: string;
}

/** One POST on a keep-alive agent; resolves with the status, or null when the connection was refused or reset. */
function post(url: string, agent: Agent, eventId: string): Promise<number | null> {
  const body = JSON.stringify({ anonymousId: 'anon-keep-alive', events: [{ eventId, eventName: 'ui.page.viewed' }] });
  return new Promise((resolve) => {
    const outgoing = request(
      `${url}/api/v1/analytics/events`,
      { method: 'POST', agent, headers: { 'Content-Type': 'application/json' } },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    outgoing.on('error', () => resolve(null));
    outgoing.end(body);
  });
}

describe('ingest-api shutdown while keep-alive clients keep sending', () => {
  let harness: IngestHarness;

  beforeAll(async () => {
    harness = await startIngest('ingest_keep_alive');
  });

  afterAll(async () => {
    await harness.close();
  });

  it('closes instead of serving the open connections forever, and every 202 it gave is stored', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const answers: Answer[] = [];
    let sending = true;
    const client = async () => {
      while (sending) {
        const eventId = randomUUID();
        const status = await post(harness.ingest.url, agent, eventId);
        if (status === null) {
          return;
        }
        answers.push({ status, eventId });
      }
    };
    const clients = Array.from({ length: 4 }, () => client());
    await waitFor(
      'requests on the keep-alive connections',
      () => answers.length,
      (count) => count >= 40,
    );

    const outcome = await Promise.race([
      harness.ingest.close().then(() => 'closed'),
      sleep(10_000).then(() => 'still serving after 10 s'),
    ]);
    sending = false;
    await Promise.all(clients);
    agent.destroy();

    expect(outcome).toBe('closed');
    expect(answers.filter((answer) => answer.status !== 202)).toEqual([]);
    const [{ stored }] = await harness.db.query<{ stored: number }>(
      'SELECT count(*)::int AS stored FROM user_activity_source_outbox WHERE event_id = ANY($1)',
      [answers.map((answer) => answer.eventId)],
    );
    expect(stored).toBe(answers.length);
  });
});
