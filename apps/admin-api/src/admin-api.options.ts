import { AppOptions } from '@app/http';
import { ADMIN_API } from './admin-api.module';

export const adminApiOptions: AppOptions = {
  name: ADMIN_API,
  // Every endpoint takes query parameters only; a stray body is still parsed safely and bounded.
  bodyLimit: () => 16 * 1024,
  openApi: {
    title: 'admin-api',
    description:
      'Runbook §5 for SREs: source outbox summary and replay, MQ traces, dispatch state and replay, the journey of ' +
      'one event; and the runbook walked by the system: stage diagnosis (§2–§4), recovery check (§10), incident ' +
      'report (§11). Every /api/v1/admin endpoint needs `Authorization: Bearer <secret>` of an ADMIN_TOKENS entry.',
    bearer: true,
  },
};
