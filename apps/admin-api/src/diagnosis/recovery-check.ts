import { Evidence, TraceCounts } from './diagnosis.walk';

/** What §10 compares: traces of the window's two halves and of as long before it, and the waiting rows now. */
export interface RecoveryInputs {
  windowMinutes: number;
  baseline: TraceCounts;
  earlier: TraceCounts;
  recent: TraceCounts;
  sourceOutbox: { failed: number; parked: number };
  dispatch: { retrying: number; parked: number; openCircuits: number; dispatchedInRecentHalf: number };
}

export interface RecoveryItem {
  /** The §10 item number. */
  item: number;
  check: string;
  /** null for what only a person can do. */
  pass: boolean | null;
  evidence: Evidence;
}

/** Stored events per minute in the recent half at least this share of the level before the window count as back. */
export const STORED_RATE_RECOVERED_SHARE = 0.8;

const perMinute = (count: number, minutes: number) => (minutes <= 0 ? 0 : Math.round((count / minutes) * 10) / 10);

/** Runbook §10, each item answered pass or fail with its numbers. */
export function recoveryCheck(inputs: RecoveryInputs): RecoveryItem[] {
  const { baseline, earlier, recent, sourceOutbox, dispatch } = inputs;
  const half = inputs.windowMinutes / 2;
  const baselineRate = perMinute(baseline.consumed, inputs.windowMinutes);
  const recentRate = perMinute(recent.consumed, half);
  const dispatchAttempts = dispatch.retrying + dispatch.dispatchedInRecentHalf;
  return [
    {
      item: 1,
      check: 'source outbox `FAILED`가 안정적으로 감소하는지 확인',
      pass: recent.publishFailed === 0 && sourceOutbox.failed === 0,
      evidence: {
        failedCount: sourceOutbox.failed,
        parkedCount: sourceOutbox.parked,
        publishFailuresEarlierHalf: earlier.publishFailed,
        publishFailuresRecentHalf: recent.publishFailed,
      },
    },
    {
      item: 2,
      check: 'MQ consume fail 로그가 중단되었는지 확인',
      pass: recent.consumeFailed === 0,
      evidence: { consumeFailuresEarlierHalf: earlier.consumeFailed, consumeFailuresRecentHalf: recent.consumeFailed },
    },
    {
      item: 3,
      check: '`user_activity_event` 신규 적재량이 기대치로 회복되는지 확인',
      pass: baseline.consumed === 0 || recentRate >= STORED_RATE_RECOVERED_SHARE * baselineRate,
      evidence: {
        storedPerMinuteBefore: baselineRate,
        storedPerMinuteEarlierHalf: perMinute(earlier.consumed, half),
        storedPerMinuteRecentHalf: recentRate,
      },
    },
    {
      item: 4,
      check: 'dispatch 경로 활성 시 `FAILED` 비율과 circuit open 빈도가 감소하는지 확인',
      pass: dispatch.retrying === 0 && dispatch.openCircuits === 0,
      evidence: {
        dispatchFailedRetrying: dispatch.retrying,
        dispatchParked: dispatch.parked,
        dispatchedRecentHalf: dispatch.dispatchedInRecentHalf,
        failedRatio: dispatchAttempts === 0 ? 0 : Math.round((dispatch.retrying / dispatchAttempts) * 1000) / 1000,
        openCircuits: dispatch.openCircuits,
      },
    },
    {
      item: 5,
      check: '동일 장애가 재발하지 않도록 설정/코드/인프라 조치사항을 기록',
      pass: null,
      evidence: { incidentReport: 'GET /api/v1/admin/user-activity/incident-report?from=&to=' },
    },
  ];
}
