import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { CaptureRefusal, POSTHOG_MAX_BODY_BYTES, refuseBatch, refuseBodySize } from './posthog-capture-contract';

/** One event of a PostHog `/batch/` body. */
export interface PosthogBatchEvent {
  event: string;
  distinct_id: string;
  timestamp: string;
  uuid: string;
  properties: Record<string, unknown>;
}

export interface RecordedPosthogRequest {
  /** Epoch milliseconds when the request body had arrived. */
  receivedAt: number;
  apiKey: unknown;
  batch: PosthogBatchEvent[];
  /** The status answered, or 'hang' when no answer was ever sent. */
  answer: number | 'hang';
  /** Why the request was refused as the real capture service would refuse it; null when it passed the contract. */
  refusal: string | null;
}

/**
 * What the fake answers: a status (429 may carry Retry-After, any answer may be delayed, or `held` until the test
 * calls `release()`), or no answer at all.
 */
export type FakePosthogBehaviour =
  { status: number; retryAfterSeconds?: number; delayMs?: number; held?: boolean } | { hang: true };

const OK: FakePosthogBehaviour = { status: 200 };

/**
 * A real HTTP server standing in for PostHog: records every `POST /batch/` request and answers as told
 * (200 by default; 500, 400, 413, 429 with Retry-After, a slow answer, or a hang). It is as strict as PostHog's
 * capture service (`posthog-capture-contract.ts`): a request capture would refuse (a uuid that does not parse, an
 * empty event name or distinct_id, no api_key, a body over 20 MB, …) gets capture's status, whatever it was told.
 */
export class FakePosthog {
  readonly requests: RecordedPosthogRequest[] = [];
  private behaviour: FakePosthogBehaviour = OK;
  private remaining: number | null = null;
  private maxBatchEvents: number | null = null;
  private readonly sockets = new Set<Socket>();
  private held: ((status?: number) => void)[] = [];

  private readonly server: Server;
  private port = 0;

  private constructor() {
    this.server = createServer((request, response) => this.handle(request, response));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(): Promise<FakePosthog> {
    const fake = new FakePosthog();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  /** Where the app should send its batches (ANALYTICS_POSTHOG_HOST). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Answers every following request this way, or only the next `times` requests before going back to 200. */
  respondWith(behaviour: FakePosthogBehaviour, options: { times?: number } = {}): void {
    this.behaviour = behaviour;
    this.remaining = options.times ?? null;
  }

  /** Answers 413 to any batch with more than `maxEvents` events (null: no limit), whatever else it is told. */
  rejectBatchesLargerThan(maxEvents: number | null): void {
    this.maxBatchEvents = maxEvents;
  }

  /**
   * Sends the answers held so far (behaviour `held`), in the order the requests came: the status they were held
   * with, or `status` instead (recorded as their answer).
   */
  release(status?: number): void {
    for (const answer of this.held.splice(0)) {
      answer(status);
    }
  }

  /** Back to answering 200 to everything; answers anything held. */
  recover(): void {
    this.respondWith(OK);
    this.maxBatchEvents = null;
    this.release();
  }

  /** Events of the requests answered 2xx, i.e. what PostHog would have ingested. */
  deliveredEvents(): PosthogBatchEvent[] {
    return this.requests
      .filter((request) => typeof request.answer === 'number' && request.answer >= 200 && request.answer < 300)
      .flatMap((request) => request.batch);
  }

  /** How many times each uuid was delivered. */
  deliveredUuidCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const event of this.deliveredEvents()) {
      counts.set(event.uuid, (counts.get(event.uuid) ?? 0) + 1);
    }
    return counts;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    let bytes = 0;
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= POSTHOG_MAX_BODY_BYTES) {
        chunks.push(chunk);
      }
    });
    request.on('end', () => {
      if (request.method !== 'POST' || (request.url !== '/batch/' && request.url !== '/batch')) {
        response.writeHead(404).end();
        return;
      }
      const { body, refusal } = this.read(bytes, chunks);
      const batch =
        refusal === null ? (body.batch as PosthogBatchEvent[]) : Array.isArray(body.batch) ? body.batch : [];
      const behaviour: FakePosthogBehaviour =
        refusal !== null ? { status: refusal.status } : this.nextBehaviour(batch.length);
      const recorded: RecordedPosthogRequest = {
        receivedAt: Date.now(),
        apiKey: body.api_key,
        batch,
        answer: 'hang' in behaviour ? 'hang' : behaviour.status,
        refusal: refusal?.message ?? null,
      };
      this.requests.push(recorded);
      if ('hang' in behaviour) {
        return;
      }
      const answer = (status = behaviour.status) => {
        recorded.answer = status;
        if (refusal !== null) {
          response.writeHead(refusal.status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(refusal.message);
          return;
        }
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (behaviour.retryAfterSeconds !== undefined) {
          headers['Retry-After'] = String(behaviour.retryAfterSeconds);
        }
        response.writeHead(status, headers).end(JSON.stringify({ status }));
      };
      if (behaviour.held && refusal === null) {
        this.held.push(answer);
      } else if (behaviour.delayMs) {
        setTimeout(() => answer(), behaviour.delayMs);
      } else {
        answer();
      }
    });
  }

  private read(bytes: number, chunks: Buffer[]): { body: Record<string, unknown>; refusal: CaptureRefusal | null } {
    const tooLarge = refuseBodySize(bytes);
    if (tooLarge !== null) {
      return { body: {}, refusal: tooLarge };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (error) {
      return { body: {}, refusal: { status: 400, message: `failed to parse request: ${(error as Error).message}` } };
    }
    const body = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    return { body, refusal: refuseBatch(parsed) };
  }

  private nextBehaviour(batchSize: number): FakePosthogBehaviour {
    if (this.maxBatchEvents !== null && batchSize > this.maxBatchEvents) {
      return { status: 413 };
    }
    const behaviour = this.behaviour;
    if (this.remaining !== null) {
      this.remaining -= 1;
      if (this.remaining <= 0) {
        this.respondWith(OK);
      }
    }
    return behaviour;
  }
}
