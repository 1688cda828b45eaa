import { connect } from 'node:net';

export interface RawRequest {
  method: string;
  /** Path and query, sent as is (latin1), so it may hold anything a client could put on the request line. */
  target: string;
  /** Header name → value; values are written byte for byte (latin1), control characters included. */
  headers: [string, string][];
  body: Buffer;
}

export interface RawResponse {
  status: number;
  body: string;
}

/**
 * One HTTP/1.1 request over its own socket, written by hand: no client library validates or normalises the
 * headers, so the server sees exactly what a hostile or broken client would send.
 */
export function sendRaw(url: string, request: RawRequest, timeoutMs = 15_000): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  const head =
    `${request.method} ${request.target} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n` +
    request.headers.map(([name, value]) => `${name}: ${value}\r\n`).join('') +
    `Content-Length: ${request.body.length}\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      // The server may answer and close before it has read a body it refused (413, 400): the answer still counts.
      if (chunks.length > 0) {
        finish();
      } else {
        reject(error);
      }
    });
    socket.on('end', finish);
    function finish(): void {
      const raw = Buffer.concat(chunks);
      const headEnd = raw.indexOf('\r\n\r\n');
      const answerHead = raw.subarray(0, headEnd < 0 ? raw.length : headEnd).toString('latin1');
      const match = /^HTTP\/1\.1 (\d{3})/.exec(answerHead);
      if (!match) {
        reject(new Error(`not an HTTP answer: ${JSON.stringify(answerHead.slice(0, 200))}`));
        return;
      }
      const body = headEnd < 0 ? Buffer.alloc(0) : raw.subarray(headEnd + 4);
      const chunked = /\r\ntransfer-encoding: chunked/i.test(answerHead);
      resolve({ status: Number(match[1]), body: (chunked ? dechunk(body) : body).toString('utf8') });
    }
    socket.write(Buffer.concat([Buffer.from(head, 'latin1'), request.body]));
  });
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', offset);
    const size = lineEnd < 0 ? 0 : parseInt(body.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!size) {
      return Buffer.concat(parts);
    }
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
}
