import { AdminAuditLogEntity } from './admin-audit-log.entity';
import { DispatchCircuitEntity } from './dispatch-circuit.entity';
import { DispatchOutboxEntity } from './dispatch-outbox.entity';
import { IngestPolicyEntity } from './ingest-policy.entity';
import { IngestRateLimitWindowEntity } from './ingest-rate-limit-window.entity';
import { IngestRejectionEntity } from './ingest-rejection.entity';
import { IngestRequestOutcomeEntity } from './ingest-request-outcome.entity';
import { MessageQueueTraceEntity } from './message-queue-trace.entity';
import { SourceOutboxEntity } from './source-outbox.entity';
import { UserActivityEventEntity } from './user-activity-event.entity';

export const ALL_ENTITIES = [
  AdminAuditLogEntity,
  DispatchCircuitEntity,
  DispatchOutboxEntity,
  IngestPolicyEntity,
  IngestRateLimitWindowEntity,
  IngestRejectionEntity,
  IngestRequestOutcomeEntity,
  MessageQueueTraceEntity,
  SourceOutboxEntity,
  UserActivityEventEntity,
];
