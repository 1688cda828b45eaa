import request from 'supertest';
import { ADMIN_TOKEN, AdminHarness, startAdmin } from './admin-api.harness';

describe('admin-api answers a wrong method on a known path with 405', () => {
  let harness: AdminHarness;

  beforeAll(async () => {
    harness = await startAdmin('admin_wrong_method');
  });

  afterAll(async () => {
    await harness.close();
  });

  it.each([
    ['GET', '/api/v1/admin/user-activity/outbox/replay', 'POST'],
    ['POST', '/api/v1/admin/user-activity/outbox/summary', 'GET, HEAD'],
    ['DELETE', '/api/v1/admin/mq-traces', 'GET, HEAD'],
    ['PUT', '/api/v1/admin/user-activity/events/e-1/journey', 'GET, HEAD'],
  ])('%s %s is 405 with Allow: %s and the error envelope', async (method, path, allow) => {
    const response = await request(harness.admin.url)
      [method.toLowerCase() as 'get' | 'post' | 'put' | 'delete'](path)
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`);
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe(allow);
    expect(response.body).toEqual({
      success: false,
      code: 'METHOD_NOT_ALLOWED',
      message: `${method} is not allowed here; use ${allow.replace(', ', ' or ')}.`,
    });
  });

  it('still answers 404 NOT_FOUND for a journey that no table knows, with the right method', async () => {
    const response = await request(harness.admin.url)
      .get('/api/v1/admin/user-activity/events/no-such-event/journey')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`);
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ success: false, code: 'NOT_FOUND' });
  });
});
