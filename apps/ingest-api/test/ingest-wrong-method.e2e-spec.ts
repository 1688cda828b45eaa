import request from 'supertest';
import { IngestHarness, startIngest } from './ingest-api.harness';

describe('ingest-api answers a wrong method on a known path with 405', () => {
  let harness: IngestHarness;

  beforeAll(async () => {
    harness = await startIngest('ingest_wrong_method');
  });

  afterAll(async () => {
    await harness.close();
  });

  it.each([
    ['GET', '/api/v1/analytics/events'],
    ['PUT', '/api/v1/analytics/events'],
    ['DELETE', '/api/v1/internal/user-activity/events'],
  ])('%s %s is 405 with Allow: POST and the error envelope', async (method, path) => {
    const response = await request(harness.ingest.url)[method.toLowerCase() as 'get' | 'put' | 'delete'](path);
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('POST');
    expect(response.body).toEqual({
      success: false,
      code: 'METHOD_NOT_ALLOWED',
      message: `${method} is not allowed here; use POST.`,
    });
  });

  it('still answers 404 for a path no route has, and 405 lists GET and HEAD for a GET-only path', async () => {
    const unknown = await request(harness.ingest.url).get('/api/v1/analytics/event');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ success: false, code: 'NOT_FOUND' });

    const health = await request(harness.ingest.url).post('/health/live');
    expect(health.status).toBe(405);
    expect(health.headers.allow).toBe('GET, HEAD');
  });

  it('says in its OpenAPI answer that acceptedCount counts duplicates too', async () => {
    const docs = await request(harness.ingest.url).get('/docs-json').expect(200);
    const accepted = docs.body.paths['/api/v1/analytics/events'].post.responses['202'];
    const result = docs.body.components.schemas.IngestResultDto;
    expect(accepted.content['application/json'].schema.properties.data).toEqual({
      $ref: '#/components/schemas/IngestResultDto',
    });
    expect(result.properties.acceptedCount.description).toMatch(/duplicates included/);
    expect(result.required).toEqual(['acceptedCount', 'duplicateCount']);
  });
});
