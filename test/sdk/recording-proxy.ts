import {
  createServer,
  IncomingHttpHeaders,
  IncomingMessage,
  request as httpRequest,
  Server,
  ServerResponse,
} from 'node:http';
import { AddressInfo, Socket } from 'node:net';

/** One request an SDK sent, as it arrived (body still compressed), and what the SDK was answered. */
export interface RecordedSdkRequest {
  method: string;
  /** Path and query, e.g. `/e/?retry_count=1`. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The status the SDK got, once answered. */
  answer?: number;
  /** The status ingest-api gave when the proxy replaced its answer (an answer lost on the way back). */
  upstreamAnswer?: number;
}

/**
 * An HTTP proxy between an SDK and ingest-api that records every request and answer. `loseAnswers(n)` lets the next
 * `n` requests reach ingest-api (and be committed there) but answers the SDK 503 instead of what ingest-api said, as
 * when the answer is lost on the way back: the SDK must send the same batch again.
 */
export class RecordingProxy {
  readonly requests: RecordedSdkRequest[] = [];
  private answersToLose = 0;
  private readonly sockets = new Set<Socket>();

  private readonly server: Server;

  private constructor(private readonly target: URL) {
    this.server = createServer((incoming, response) => void this.handle(incoming, response));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(targetUrl: string): Promise<RecordingProxy> {
    const proxy = new RecordingProxy(new URL(targetUrl));
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** What the SDK is given as its host. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  loseAnswers(count: number): void {
    this.answersToLose = count;
  }

  /** The requests recorded after the first `from` (a count taken from `requests.length` earlier). */
  requestsSince(from: number): RecordedSdkRequest[] {
    return this.requests.slice(from);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) {
      chunks.push(chunk as Buffer);
    }
    const recorded: RecordedSdkRequest = {
      method: incoming.method ?? 'GET',
      url: incoming.url ?? '/',
      headers: incoming.headers,
      body: Buffer.concat(chunks),
    };
    this.requests.push(recorded);
    try {
      const upstream = await this.forward(recorded);
      if (recorded.method === 'POST' && this.answersToLose > 0) {
        this.answersToLose--;
        recorded.upstreamAnswer = upstream.status;
        // Keeps ingest-api's CORS headers: without them a browser would see a network error, not the 503.
        const headers = withoutBodyHeaders(upstream.headers);
        recorded.answer = 503;
        response.writeHead(503, { ...headers, 'content-type': 'application/json' }).end('{"lost":true}');
        return;
      }
      recorded.answer = upstream.status;
      response.writeHead(upstream.status, withoutBodyHeaders(upstream.headers)).end(upstream.body);
    } catch (error) {
      recorded.answer = 502;
      response.writeHead(502).end((error as Error).message);
    }
  }

  private forward(
    recorded: RecordedSdkRequest,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    const headers = withoutBodyHeaders(recorded.headers);
    delete headers.host;
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: this.target.hostname,
          port: this.target.port,
          method: recorded.method,
          path: recorded.url,
          headers: { ...headers, 'content-length': String(recorded.body.length) },
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () =>
            resolve({ status: answer.statusCode ?? 0, headers: answer.headers, body: Buffer.concat(chunks) }),
          );
          answer.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(recorded.body);
    });
  }
}

/** The headers without those that describe how the body travelled; the proxy sends whole bodies. */
function withoutBodyHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const copy = { ...headers };
  delete copy['content-length'];
  delete copy['transfer-encoding'];
  delete copy.connection;
  delete copy['keep-alive'];
  return copy;
}
