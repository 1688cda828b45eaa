import { AppOptions } from '@app/http';
import { ADMIN_API } from './admin-api.module';

export const adminApiOptions: AppOptions = {
  name: ADMIN_API,
  // The ingest policy's PUT carries the allowlist (up to 1,000 names); every other endpoint takes query parameters.
  bodyLimit: () => 256 * 1024,
  openApi: {
    title: 'admin-api',
    description:
      'Runbook §5 for SREs: source outbox summary and replay, MQ traces, the dead-letter queue and its re-drive, ' +
      'dispatch state and replay, the journey of one event. Every /api/v1/admin endpoint needs ' +
      '`Authorization: Bearer <secret>` of an ADMIN_TOKENS entry.',
    bearer: true,
  },
};
