import { Agent, request } from 'node:http';
import { CLIENT_EVENTS_PATH, EventBodies } from './event-bodies';

/** Requests allowed to wait for an answer at once; past that the client is behind and the step cannot be stable. */
const MAX_IN_FLIGHT = 256;
const TICK_MS = 5;

/**
 * Open-loop load: requests leave on a fixed schedule (`eventsPerSecond / eventsPerRequest` per second) whether or
 * not earlier ones were answered, over keep-alive connections. A slow server shows up as requests in flight and
 * then as `behind`, never as a lower offered rate.
 */
export class PacedLoad {
  sentRequests = 0;
  acceptedEvents = 0;
  failedRequests = 0;
  /** Why requests failed: the HTTP status, or the socket error code. */
  readonly failures = new Map<string, number>();
  /** Requests the schedule called for that were not sent because MAX_IN_FLIGHT were already waiting. */
  behind = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  // A timeout lets the agent honour the server's `Keep-Alive: timeout=5` and drop an idle socket a second before the
  // server does; without one, a request sent on a socket the server is closing fails with ECONNRESET.
  private readonly agent = new Agent({ keepAlive: true, maxSockets: MAX_IN_FLIGHT, timeout: 10_000 });
  private readonly requestsPerSecond: number;
  private readonly host: string;
  private readonly port: number;

  constructor(
    url: string,
    private readonly bodies: EventBodies,
    readonly eventsPerSecond: number,
  ) {
    this.requestsPerSecond = eventsPerSecond / bodies.eventsPerRequest;
    const parsed = new URL(url);
    this.host = parsed.hostname;
    this.port = Number(parsed.port);
  }

  start(): void {
    this.startedAt = performance.now();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  /** Stops the schedule and waits (at most `timeoutMs`) for the answers still outstanding. */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    this.agent.destroy();
  }

  private tick(): void {
    const due = Math.floor(((performance.now() - this.startedAt) / 1000) * this.requestsPerSecond);
    while (this.sentRequests + this.behind < due) {
      if (this.inFlight >= MAX_IN_FLIGHT) {
        this.behind += 1;
        continue;
      }
      this.send();
    }
  }

  private send(): void {
    const { body, anonymousId } = this.bodies.next();
    const events = this.bodies.eventsPerRequest;
    this.sentRequests += 1;
    this.inFlight += 1;
    let settled = false;
    const done = (failure: string | null) => {
      if (settled) {
        return;
      }
      settled = true;
      this.inFlight -= 1;
      if (failure === null) {
        this.acceptedEvents += events;
      } else {
        this.failedRequests += 1;
        this.failures.set(failure, (this.failures.get(failure) ?? 0) + 1);
      }
    };
    const outgoing = request(
      {
        host: this.host,
        port: this.port,
        path: CLIENT_EVENTS_PATH,
        method: 'POST',
        agent: this.agent,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
          'X-Anonymous-Id': anonymousId,
        },
        timeout: 30_000,
      },
      (response) => {
        response.resume();
        response.on('end', () => done(response.statusCode === 202 ? null : `HTTP ${response.statusCode}`));
        response.on('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    outgoing.on('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
    outgoing.end(body);
  }
}
