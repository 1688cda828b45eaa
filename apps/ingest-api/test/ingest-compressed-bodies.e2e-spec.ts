import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { IngestHarness, startIngest } from './ingest-api.harness';

const ENDPOINT = '/api/v1/analytics/events';
const LIMIT = 4096;

describe('ingest-api takes compressed JSON bodies and bounds them after decompression', () => {
  let harness: IngestHarness;

  beforeAll(async () => {
    harness = await startIngest('ingest_compressed', { ANALYTICS_INGEST_MAX_BODY_BYTES: String(LIMIT) });
  });

  afterAll(async () => {
    await harness.close();
  });

  async function storedIds(): Promise<string[]> {
    const rows = await harness.db.query<{ event_id: string }>(
      'SELECT event_id FROM user_activity_source_outbox ORDER BY event_id',
    );
    return rows.map((row) => row.event_id);
  }

  /** Sends the bytes as they are (supertest would serialise a Buffer as JSON under a JSON Content-Type). */
  async function post(body: Buffer, encoding: string): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${harness.ingest.url}${ENDPOINT}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Content-Encoding': encoding,
        'X-Anonymous-Id': 'anon-compressed',
      },
      body,
    });
    return { status: response.status, body: await response.json() };
  }

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ])('a %s body is stored as sent', async (encoding, compress) => {
    const eventId = `compressed-${encoding}`;
    const body = Buffer.from(JSON.stringify({ events: [{ eventId, eventName: 'ui.page.viewed' }] }));
    expect(await post(compress(body), encoding)).toEqual({
      status: 202,
      body: { success: true, data: { acceptedCount: 1, duplicateCount: 0 } },
    });
    expect(await storedIds()).toContain(eventId);
  });

  it('a body within the limit compressed but over it decompressed → 413, nothing stored', async () => {
    const before = await storedIds();
    const padding = 'x'.repeat(LIMIT);
    const body = JSON.stringify({
      events: [{ eventId: 'bomb', eventName: 'ui.page.viewed', properties: { padding } }],
    });
    const compressed = gzipSync(Buffer.from(body));
    expect(compressed.length).toBeLessThan(LIMIT);
    expect(await post(compressed, 'gzip')).toEqual({
      status: 413,
      body: { success: false, code: 'PAYLOAD_TOO_LARGE', message: `요청 본문이 너무 큽니다 (최대 ${LIMIT} bytes).` },
    });
    expect(await storedIds()).toEqual(before);
  });

  it('an unknown encoding → 415, and a body that does not decompress → 400', async () => {
    const body = Buffer.from(JSON.stringify({ events: [{ eventId: 'zstd', eventName: 'ui.page.viewed' }] }));
    expect(await post(body, 'zstd')).toMatchObject({
      status: 415,
      body: { success: false, code: 'UNSUPPORTED_MEDIA_TYPE' },
    });
    expect(await post(body, 'gzip')).toMatchObject({ status: 400, body: { success: false, code: 'INVALID_REQUEST' } });
    expect(await storedIds()).not.toContain('zstd');
  });
});
