/**
 * Run in a claim's transaction before its `… ORDER BY id LIMIT n FOR UPDATE SKIP LOCKED`. With the few due rows that
 * the statistics show, the planner prefers a bitmap scan of the outbox's status indexes; a bitmap scan never marks
 * the index entries left behind by rows already sent as dead, so every claim re-reads all of them until VACUUM runs
 * (thousands a second under load: claims slow from about 1 ms to about 100 ms within a minute). A plain index scan
 * marks them as it passes, so its cost stays flat whatever the vacuum schedule. `SET LOCAL` ends with the transaction.
 */
export const CLAIM_WITHOUT_BITMAP_SCAN = 'SET LOCAL enable_bitmapscan = off';

/**
 * Batches a relay or dispatch loop claims and sends at once while a backlog lasts (SKIP LOCKED keeps them apart), so
 * that its rate is not bounded by one batch's round trips.
 */
export const BATCHES_IN_FLIGHT = 2;
