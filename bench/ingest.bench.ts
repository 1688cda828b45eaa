import autocannon from 'autocannon';
import { Client } from 'pg';
import { CpuAccounting, CpuUse } from './cpu-accounting';
import { CLIENT_EVENTS_PATH, EventBodies } from './event-bodies';

export interface IngestFigure {
  eventsPerRequest: number;
  connections: number;
  seconds: number;
  requestsPerSecond: number;
  eventsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Answers other than 202, and connection errors or timeouts. */
  failed: number;
  /** Rows that reached the source outbox during the run; equals accepted events when every 202 meant a commit. */
  committedEvents: number;
  /** Who used the CPU during the run. */
  cpu: CpuUse;
}

async function sourceOutboxRows(client: Client): Promise<number> {
  const result = await client.query<{ rows: string }>('SELECT count(*) AS rows FROM user_activity_source_outbox');
  return Number(result.rows[0].rows);
}

/**
 * Closed loop: `connections` keep-alive connections each send the next request as soon as the last is answered,
 * every request with fresh event ids, for `seconds`. Latency is the HTTP round trip autocannon measures.
 */
export async function measureIngest(
  url: string,
  client: Client,
  cpu: CpuAccounting,
  eventsPerRequest: number,
  connections: number,
  seconds: number,
): Promise<IngestFigure> {
  const bodies = new EventBodies(`ing${eventsPerRequest}`, eventsPerRequest);
  const before = await sourceOutboxRows(client);
  await cpu.start();
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: CLIENT_EVENTS_PATH,
        setupRequest: (request) => {
          const { body, anonymousId } = bodies.next();
          return {
            ...request,
            body,
            headers: { ...request.headers, 'content-type': 'application/json', 'x-anonymous-id': anonymousId },
          };
        },
      },
    ],
  });
  const cpuUse = await cpu.stop();
  const accepted = result.statusCodeStats['202']?.count ?? 0;
  const committedEvents = (await sourceOutboxRows(client)) - before;
  return {
    eventsPerRequest,
    connections,
    seconds: result.duration,
    requestsPerSecond: accepted / result.duration,
    eventsPerSecond: (accepted * eventsPerRequest) / result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    failed: result.non2xx + result.errors + (result['2xx'] - accepted),
    committedEvents,
    cpu: cpuUse,
  };
}
