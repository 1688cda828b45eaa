/** The stage of a §2 failure-matrix row; the enum's order is the pipeline's, most upstream first. */
export enum DiagnosisStage {
  IngestRateLimit = 'INGEST_RATE_LIMIT',
  IngestAllowlist = 'INGEST_ALLOWLIST',
  SourceOutbox = 'SOURCE_OUTBOX',
  MqPublish = 'MQ_PUBLISH',
  MqConsume = 'MQ_CONSUME',
  Store = 'STORE',
  Dispatch = 'DISPATCH',
}

/** How far upstream a stage is: ingest refuses before anything is written, dispatch is the last hop. */
export const STAGE_ORDER: readonly DiagnosisStage[] = [
  DiagnosisStage.IngestRateLimit,
  DiagnosisStage.IngestAllowlist,
  DiagnosisStage.SourceOutbox,
  DiagnosisStage.MqPublish,
  DiagnosisStage.MqConsume,
  DiagnosisStage.Store,
  DiagnosisStage.Dispatch,
];

export type MatrixRowNumber = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface MatrixRow {
  stage: DiagnosisStage;
  /** 증상, verbatim from the runbook's §2 table. */
  symptom: string;
  /** 즉시 대응, verbatim from the runbook's §2 table. */
  action: string;
  /** The admin calls and §6 queries that confirm it, in the order to run them. */
  next: string[];
}

const ADMIN = '/api/v1/admin';

export const SQL_STORED_BY_NAME =
  "SELECT event_name, COUNT(*) AS cnt FROM user_activity_event WHERE occurred_at >= NOW() - INTERVAL '30 minutes' " +
  'GROUP BY event_name ORDER BY cnt DESC;';
export const SQL_DUPLICATES =
  'SELECT event_id, COUNT(*) AS dup_cnt FROM user_activity_event GROUP BY event_id HAVING COUNT(*) > 1;';
export const SQL_SOURCE_BY_STATUS =
  'SELECT status, COUNT(*) AS cnt, MAX(retry_count) AS max_retry FROM user_activity_source_outbox GROUP BY status;';
export const SQL_SOURCE_WAITING =
  'SELECT id, event_id, status, retry_count, next_retry_at, last_error, updated_at FROM user_activity_source_outbox ' +
  "WHERE status IN ('PENDING', 'FAILED') ORDER BY id ASC LIMIT 200;";
export const SQL_DISPATCH_BY_STATUS =
  'SELECT dispatch_target, status, COUNT(*) AS cnt FROM user_activity_dispatch_outbox ' +
  'GROUP BY dispatch_target, status ORDER BY dispatch_target, status;';

/** The runbook's §6 queries, in its order (§6-1, §6-2, §6-3 option A). */
export const RUNBOOK_SQL = [
  SQL_STORED_BY_NAME,
  SQL_DUPLICATES,
  SQL_SOURCE_BY_STATUS,
  SQL_SOURCE_WAITING,
  SQL_DISPATCH_BY_STATUS,
];

/** The runbook's §2 failure matrix, rows numbered in its order. */
export const FAILURE_MATRIX: Record<MatrixRowNumber, MatrixRow> = {
  1: {
    stage: DiagnosisStage.SourceOutbox,
    symptom: '도메인 기능은 정상인데 이벤트가 안 쌓임',
    action: 'outbox 상태 확인 후 수동 replay',
    next: [
      `GET ${ADMIN}/user-activity/outbox/summary`,
      SQL_SOURCE_BY_STATUS,
      SQL_SOURCE_WAITING,
      `POST ${ADMIN}/user-activity/outbox/replay?limit=100`,
    ],
  },
  2: {
    stage: DiagnosisStage.MqPublish,
    symptom: 'source outbox `FAILED` 증가',
    action: 'MQ 복구 후 replay',
    next: [
      `GET ${ADMIN}/user-activity/outbox/summary`,
      SQL_SOURCE_WAITING,
      `GET ${ADMIN}/mq-traces?messageId=<EVENT_ID>&limit=50`,
      `POST ${ADMIN}/user-activity/outbox/replay?limit=100`,
    ],
  },
  3: {
    stage: DiagnosisStage.MqConsume,
    symptom: 'MQ trace에 publish만 있고 consume 없음',
    action: 'consumer 재기동, subscription 확인',
    next: [`GET ${ADMIN}/mq-traces?messageId=<EVENT_ID>&limit=50`, SQL_STORED_BY_NAME],
  },
  4: {
    stage: DiagnosisStage.Store,
    symptom: 'consume fail 증가',
    action: '실패 원인 수정 후 재처리',
    next: [`GET ${ADMIN}/mq-traces?messageId=<EVENT_ID>&limit=50`, `GET ${ADMIN}/user-activity/dlq?limit=50`],
  },
  5: {
    stage: DiagnosisStage.Dispatch,
    symptom: '최종 저장 건수 급감 + dispatch fail 증가',
    action: 'PostHog 장애 복구까지 내부 저장 우선',
    next: [
      `GET ${ADMIN}/user-activity/dispatch/summary`,
      SQL_STORED_BY_NAME,
      SQL_DISPATCH_BY_STATUS,
      `POST ${ADMIN}/user-activity/dispatch/replay?target=POSTHOG&limit=100`,
    ],
  },
  6: {
    stage: DiagnosisStage.IngestRateLimit,
    symptom: 'ingest API 429 급증',
    action: '임시 상향 + 트래픽 패턴 점검',
    next: ['ANALYTICS_INGEST_RATE_LIMIT_MAX_REQUESTS / ANALYTICS_INGEST_RATE_LIMIT_WINDOW of ingest-api (§9-1)'],
  },
  7: {
    stage: DiagnosisStage.IngestAllowlist,
    symptom: 'ingest API 400 event not allowed 증가',
    action: '이벤트명 합의 후 allowlist 반영',
    next: ['ANALYTICS_INGEST_ALLOWLIST of ingest-api (§9-2)'],
  },
};

/** The §3 decisions, worded as the flowchart words them. */
export const DECISIONS = {
  serverEvent: '서버 이벤트인가?',
  ingestRefusals: 'ingest API 실패코드/429 증가?',
  outboxGrowing: 'FAILED/PENDING 증가?',
  consumeFail: 'consume fail 존재?',
  subscription: '구독/consumer group/infra 이상?',
  dispatchMissing: 'dispatch 대상 누락?',
} as const;
