import { Agent as HttpAgent, IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface JsonPosterTimeouts {
  /** Until the TCP connection is up; a reused keep-alive connection skips it. */
  connectMs: number;
  /** The whole attempt: connect, send, answer. */
  totalMs: number;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The start of the answer body, for `last_error`. */
  body: string;
}

export class HttpSendError extends Error {
  constructor(
    message: string,
    readonly reason: 'connect_timeout' | 'timeout' | 'network',
  ) {
    super(message);
    this.name = HttpSendError.name;
  }
}

const BODY_KEPT_BYTES = 2_048;

/**
 * POSTs JSON with a connect timeout and a total timeout per attempt (an AbortSignal). Built on node:http because
 * global fetch offers no connect timeout without the undici package.
 */
export class JsonPoster {
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;

  constructor(
    private readonly url: URL,
    private readonly timeouts: JsonPosterTimeouts,
  ) {
    const https = url.protocol === 'https:';
    this.agent = https ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    this.send = https ? httpsRequest : httpRequest;
  }

  post(json: string): Promise<HttpAnswer> {
    const signal = AbortSignal.timeout(this.timeouts.totalMs);
    return new Promise<HttpAnswer>((resolve, reject) => {
      let settled = false;
      let connectTimer: NodeJS.Timeout | undefined;
      const settle = (finish: () => void) => {
        if (!settled) {
          settled = true;
          clearTimeout(connectTimer);
          finish();
        }
      };
      const fail = (error: unknown) => settle(() => reject(this.classify(error, signal)));
      const request = this.send(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          signal,
          headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          let kept = 0;
          response.on('data', (chunk: Buffer) => {
            if (kept < BODY_KEPT_BYTES) {
              chunks.push(chunk);
              kept += chunk.length;
            }
          });
          response.on('error', fail);
          response.on('close', () => {
            if (!response.complete) {
              fail(new HttpSendError('network error: the answer was cut off', 'network'));
            }
          });
          response.on('end', () =>
            settle(() =>
              resolve({
                status: response.statusCode ?? 0,
                headers: response.headers,
                body: Buffer.concat(chunks).toString('utf8').slice(0, BODY_KEPT_BYTES),
              }),
            ),
          );
        },
      );
      request.on('socket', (socket) => {
        if (socket.connecting) {
          connectTimer = setTimeout(() => {
            request.destroy(
              new HttpSendError(`connect timeout after ${this.timeouts.connectMs} ms`, 'connect_timeout'),
            );
          }, this.timeouts.connectMs);
          socket.once('connect', () => clearTimeout(connectTimer));
        }
      });
      request.on('error', fail);
      request.end(json);
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private classify(error: unknown, signal: AbortSignal): HttpSendError {
    if (error instanceof HttpSendError) {
      return error;
    }
    if (signal.aborted) {
      return new HttpSendError(`timeout after ${this.timeouts.totalMs} ms`, 'timeout');
    }
    const known = error as { code?: string; message?: string };
    return new HttpSendError(`network error: ${known.code ?? known.message ?? String(error)}`, 'network');
  }
}
