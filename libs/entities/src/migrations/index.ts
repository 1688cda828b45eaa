import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { ClockTimestampDefaults1764200000000 } from './1764200000000-clock-timestamp-defaults';

/** Every migration, in order; listed explicitly so the same code runs from ts (tests) and js (dist). */
export const MIGRATIONS = [InitialSchema1764000000000, ClockTimestampDefaults1764200000000];
