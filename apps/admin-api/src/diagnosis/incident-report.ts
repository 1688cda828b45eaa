import { Diagnosis, IngestCounts, TraceCounts } from './diagnosis.walk';
import { DiagnosisStage, RUNBOOK_SQL } from './failure-matrix';

/** What the system knows of an incident window; the rest of the §11 note is a person's to write. */
export interface IncidentInputs {
  from: string;
  to: string;
  diagnosis: Diagnosis;
  ingest: IngestCounts;
  /** New events ingest-api added to the source outbox in the window. */
  acceptedEvents: number;
  traces: TraceCounts;
  storedTotal: number;
  dispatchedInWindow: number;
  /** Rows still waiting now. */
  waiting: { sourcePending: number; sourceFailed: number; dispatchRetrying: number; dispatchParked: number };
  storedByName: { eventName: string; count: number }[];
  failuresByName: { eventName: string; stage: string; count: number }[];
  actions: { action: string; runs: number; processed: number; succeeded: number; failed: number }[];
}

/** Marks what only a person knows; searchable, and visible in any Markdown viewer. */
export const TO_BE_WRITTEN = '**(작성 필요)**';

const STAGE_GROUP: Record<string, string> = {
  [DiagnosisStage.IngestRateLimit]: 'ingest',
  [DiagnosisStage.IngestAllowlist]: 'ingest',
  [DiagnosisStage.SourceOutbox]: 'source outbox',
  [DiagnosisStage.MqPublish]: 'MQ',
  [DiagnosisStage.MqConsume]: 'MQ',
  [DiagnosisStage.Store]: 'store',
  [DiagnosisStage.Dispatch]: 'dispatch',
};

/** Alerts of ops/prometheus/alerts.yml and Grafana panels for each stage (README, Operations §2). */
const LOOK_AT: Record<string, { alerts: string[]; panels: string[] }> = {
  [DiagnosisStage.IngestRateLimit]: {
    alerts: ['UserActivityIngestRateLimitedSurge'],
    panels: ['Ingest requests by result', '429 and not-allowed share of requests'],
  },
  [DiagnosisStage.IngestAllowlist]: {
    alerts: ['UserActivityIngestEventNotAllowedSurge'],
    panels: ['429 and not-allowed share of requests'],
  },
  [DiagnosisStage.SourceOutbox]: {
    alerts: ['UserActivitySourceOutboxPendingStale'],
    panels: ['Oldest PENDING age', 'PENDING', 'Outbox publish by result'],
  },
  [DiagnosisStage.MqPublish]: {
    alerts: ['UserActivitySourceOutboxFailedGrowing', 'UserActivityPublishFailing'],
    panels: ['FAILED', 'PENDING / FAILED rows', 'MQ publish by result'],
  },
  [DiagnosisStage.MqConsume]: {
    alerts: ['UserActivityPublishedButNotConsumed'],
    panels: ['MQ publish by result', 'MQ consume by result'],
  },
  [DiagnosisStage.Store]: { alerts: ['UserActivityConsumeFailures'], panels: ['MQ consume by result'] },
  [DiagnosisStage.Dispatch]: {
    alerts: ['UserActivityStoreDropWhileDispatchFailing', 'UserActivityDispatchCircuitOpen'],
    panels: ['Stored events by result', 'Dispatch execute by target and result', 'Circuit state by target'],
  },
};

function list(items: string[], empty: string): string {
  return items.length === 0 ? `  - ${empty}` : items.map((item) => `  - ${item}`).join('\n');
}

function affected(inputs: IncidentInputs): string {
  const failures = inputs.failuresByName.map((f) => `\`${f.eventName}\` ${f.stage} ${f.count}건`);
  const stored = inputs.storedByName.map((s) => `\`${s.eventName}\` 저장 ${s.count}건`);
  return [
    '',
    '  - 실패가 기록된 이벤트명:',
    list(failures, '없음').replace(/^ {2}/gm, '    '),
    '  - 구간 내 저장된 이벤트명(occurred_at 기준, 상위 20):',
    list(stored, '없음').replace(/^ {2}/gm, '    '),
    `  - 사용자군: ${TO_BE_WRITTEN}`,
  ].join('\n');
}

function firstStage(inputs: IncidentInputs): string {
  const first = inputs.diagnosis.findings[0];
  if (first === undefined) {
    return `진단상 이상 없음 (구간 내 §2 매트릭스 해당 행 없음) — ${TO_BE_WRITTEN}`;
  }
  const others = inputs.diagnosis.findings.slice(1).map((f) => `§2 ${f.matrixRow}행 ${f.stage}`);
  return (
    `${STAGE_GROUP[first.stage]} (진단: §2 ${first.matrixRow}행 "${first.symptom}", ${first.stage})` +
    (others.length > 0 ? `; 함께 관측: ${others.join(', ')}` : '')
  );
}

function replays(inputs: IncidentInputs): string {
  const lines = inputs.actions.map(
    (a) => `\`${a.action}\` ${a.runs}회: 처리 ${a.processed}건, 성공 ${a.succeeded}건, 실패 ${a.failed}건`,
  );
  return ['', list(lines, '구간 내 admin_audit_log에 재처리/재전송 기록 없음')].join('\n');
}

function lossAndDuplicates(inputs: IncidentInputs): string {
  const { waiting, traces } = inputs;
  const waitingSource = waiting.sourcePending + waiting.sourceFailed;
  const unaccounted = Math.max(0, inputs.acceptedEvents - inputs.storedTotal - waitingSource - traces.consumeFailed);
  const duplicateDeliveries = Math.max(0, traces.consumed - inputs.storedTotal);
  return [
    '',
    `  - 수집(ingest-api가 source outbox에 새로 적재) ${inputs.acceptedEvents}건, 발행 ${traces.published}건` +
      ` (발행 실패 ${traces.publishFailed}건), 소비 성공 ${traces.consumed}건, 소비 실패(DLQ) ${traces.consumeFailed}건,` +
      ` 저장 ${inputs.storedTotal}건(occurred_at 기준), PostHog 전송 ${inputs.dispatchedInWindow}건`,
    `  - 지금 대기 중: source outbox PENDING ${waiting.sourcePending}건 / FAILED ${waiting.sourceFailed}건,` +
      ` dispatch FAILED 재시도 대기 ${waiting.dispatchRetrying}건 / parked ${waiting.dispatchParked}건`,
    `  - 손실 추정: 저장·대기·DLQ 어디에도 없는 수집 건 ${unaccounted}건` +
      ' (0이 아니면 §6-1, §6-2로 확인; 구간 밖에 발생 시각이 찍힌 이벤트도 여기에 포함될 수 있음)',
    `  - 중복 추정: 저장은 event_id unique로 0건; 중복 전달을 저장소가 흡수한 건 약 ${duplicateDeliveries}건`,
    `  - 거부된 요청: 429 ${inputs.ingest.rateLimited}건, event not allowed ${inputs.ingest.notAllowed}건` +
      ` (요청 전체 ${totalRequests(inputs.ingest)}건)`,
  ].join('\n');
}

function totalRequests(ingest: IngestCounts): number {
  return ingest.accepted + ingest.rateLimited + ingest.notAllowed + ingest.invalid + ingest.unavailable;
}

function links(inputs: IncidentInputs): string {
  const stages = inputs.diagnosis.findings.map((f) => f.stage);
  const alerts = [...new Set(stages.flatMap((stage) => LOOK_AT[stage].alerts))];
  const panels = [...new Set(stages.flatMap((stage) => LOOK_AT[stage].panels))];
  const window = `from=${inputs.from}&to=${inputs.to}`;
  return [
    '',
    `  - 대시보드 **User activity pipeline** (${inputs.from} ~ ${inputs.to}): ${
      panels.length > 0 ? panels.join(', ') : '전체 행'
    }`,
    `  - 알림: ${alerts.length > 0 ? alerts.join(', ') : '해당 없음'}`,
    `  - 진단: \`GET /api/v1/admin/user-activity/diagnosis?since=…\`, 복구 확인: \`GET /api/v1/admin/user-activity/recovery-check?since=…\`, 이 리포트: \`GET /api/v1/admin/user-activity/incident-report?${window}\``,
    '  - §6 쿼리:',
    ...RUNBOOK_SQL.map((sql) => `    - \`${sql}\``),
    `  - 로그 링크: ${TO_BE_WRITTEN}`,
  ].join('\n');
}

/** Runbook §11's note, filled with what the system knows; `TO_BE_WRITTEN` marks what only a person knows. */
export function incidentReport(inputs: IncidentInputs): string {
  return [
    '# 사용자 이벤트 수집 장애 리포트',
    '',
    `- 발생 시각: ${inputs.from}`,
    `- 종료 시각: ${inputs.to}`,
    `- 영향 범위(이벤트명/사용자군):${affected(inputs)}`,
    `- 1차 원인 구간(source outbox / MQ / store / dispatch / ingest): ${firstStage(inputs)}`,
    `- 근본 원인: ${TO_BE_WRITTEN}`,
    `- 즉시 조치: ${inputs.diagnosis.findings.length > 0 ? `런북 권고 "${inputs.diagnosis.findings[0].action}"; ` : ''}실제 조치 ${TO_BE_WRITTEN}`,
    `- 재처리 실행 여부 및 결과:${replays(inputs)}`,
    `- 손실/중복 영향 추정:${lossAndDuplicates(inputs)}`,
    `- 재발 방지 액션: ${TO_BE_WRITTEN}`,
    `- 관련 로그/대시보드/쿼리 링크:${links(inputs)}`,
    '',
  ].join('\n');
}
