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
      'dispatch state and replay, the journey of one event; and the runbook walked by the system: stage diagnosis ' +
      '(§2–§4), recovery check (§10), incident report (§11). Every /api/v1/admin endpoint needs ' +
      '`Authorization: Bearer <secret>` of an ADMIN_TOKENS entry.',
    bearer: true,
  },
};
