/**
 * The rows an outbox has sent and keeps for OUTBOX_RETENTION (PUBLISHED, DISPATCHED), estimated: counting them exactly
 * reads all of them (millions under load). The statistics' live-row count of the table (`pg_stat_get_live_tuples`:
 * inserts minus deletes, flushed by each backend within about a second, re-estimated by VACUUM and ANALYZE) minus the
 * waiting rows, which are counted exactly, costs nothing and moves with every publish, replay and retention batch.
 */
export function estimateSent(liveRows: number, waitingRows: number): number {
  return Math.max(0, liveRows - waitingRows);
}
