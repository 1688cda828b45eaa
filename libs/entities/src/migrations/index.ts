import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { ClockTimestampDefaults1764200000000 } from './1764200000000-clock-timestamp-defaults';
import { BacklogAndRetentionIndexes1764300000000 } from './1764300000000-backlog-and-retention-indexes';
import { LiveIngestPolicy1764400000000 } from './1764400000000-live-ingest-policy';
import { IngestRequestOutcomes1764500000000 } from './1764500000000-ingest-request-outcomes';

/** Every migration, in order; listed explicitly so the same code runs from ts (tests) and js (dist). */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  ClockTimestampDefaults1764200000000,
  BacklogAndRetentionIndexes1764300000000,
  LiveIngestPolicy1764400000000,
  IngestRequestOutcomes1764500000000,
];
