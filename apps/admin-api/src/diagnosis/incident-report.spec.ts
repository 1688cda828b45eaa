import { diagnoseWindow, PipelineSnapshot } from './diagnosis.walk';
import { IncidentInputs, incidentReport, TO_BE_WRITTEN } from './incident-report';

const BROKER_OUTAGE: PipelineSnapshot = {
  ingest: { accepted: 90, rateLimited: 0, notAllowed: 0, invalid: 0, unavailable: 0 },
  traces: { published: 800, publishFailed: 120, consumed: 810, consumeFailed: 0, deadLettered: 0 },
  sourceOutbox: { pending: 0, failed: 150, parked: 0, oldestPendingAgeSeconds: null },
  dispatch: { retrying: 0, parked: 0, dispatchedInWindow: 790, openCircuits: 0 },
  queue: { messageCount: 0, consumerCount: 1 },
  deadLetterQueue: { messageCount: 0, consumerCount: 0 },
};

function inputs(overrides: Partial<IncidentInputs> = {}): IncidentInputs {
  return {
    from: '2026-02-20T10:00:00.000Z',
    to: '2026-02-20T10:30:00.000Z',
    diagnosis: diagnoseWindow(BROKER_OUTAGE),
    ingest: BROKER_OUTAGE.ingest,
    acceptedEvents: 1_000,
    traces: BROKER_OUTAGE.traces,
    storedTotal: 800,
    dispatchedInWindow: 790,
    waiting: { sourcePending: 0, sourceFailed: 150, dispatchRetrying: 0, dispatchParked: 0 },
    storedByName: [{ eventName: 'ui.page.viewed', count: 800 }],
    failuresByName: [{ eventName: 'ui.page.viewed', stage: 'PUBLISH_FAIL', count: 120 }],
    actions: [{ action: 'SOURCE_OUTBOX_REPLAY', runs: 2, processed: 150, succeeded: 140, failed: 10 }],
    ...overrides,
  };
}

describe('the §11 incident report', () => {
  it('fills the template’s lines in order with the window, the stage, the replays and the estimates', () => {
    const report = incidentReport(inputs());
    const lines = report.split('\n').filter((line) => line.startsWith('- ') || line.startsWith('# '));
    expect(lines.map((line) => line.split(':')[0])).toEqual([
      '# 사용자 이벤트 수집 장애 리포트',
      '- 발생 시각',
      '- 종료 시각',
      '- 영향 범위(이벤트명/사용자군)',
      '- 1차 원인 구간(source outbox / MQ / store / dispatch / ingest)',
      '- 근본 원인',
      '- 즉시 조치',
      '- 재처리 실행 여부 및 결과',
      '- 손실/중복 영향 추정',
      '- 재발 방지 액션',
      '- 관련 로그/대시보드/쿼리 링크',
    ]);
    expect(report).toContain('- 발생 시각: 2026-02-20T10:00:00.000Z');
    expect(report).toContain('- 1차 원인 구간(source outbox / MQ / store / dispatch / ingest): MQ (진단: §2 2행');
    expect(report).toContain('`ui.page.viewed` PUBLISH_FAIL 120건');
    expect(report).toContain('`SOURCE_OUTBOX_REPLAY` 2회: 처리 150건, 성공 140건, 실패 10건');
    // 1000 accepted − 800 stored − 150 waiting − 0 dead-lettered; 810 consumed − 800 stored.
    expect(report).toContain('저장·대기·DLQ 어디에도 없는 수집 건 50건');
    expect(report).toContain('흡수한 건 약 10건');
    expect(report).toContain('UserActivitySourceOutboxFailedGrowing, UserActivityPublishFailing');
    expect(report).toContain(
      'SELECT status, COUNT(*) AS cnt, MAX(retry_count) AS max_retry FROM user_activity_source_outbox',
    );
  });

  it('leaves root cause, prevention, the user group and the actions taken to a person', () => {
    const report = incidentReport(inputs());
    expect(report).toContain(`- 근본 원인: ${TO_BE_WRITTEN}`);
    expect(report).toContain(`- 재발 방지 액션: ${TO_BE_WRITTEN}`);
    expect(report).toContain(`  - 사용자군: ${TO_BE_WRITTEN}`);
    expect(report).toContain(`- 즉시 조치: 런북 권고 "MQ 복구 후 replay"; 실제 조치 ${TO_BE_WRITTEN}`);
  });

  it('says so when the window shows no failure and no replay', () => {
    const healthy = { ...BROKER_OUTAGE, traces: { ...BROKER_OUTAGE.traces, publishFailed: 0 } };
    const report = incidentReport(
      inputs({ diagnosis: diagnoseWindow(healthy), failuresByName: [], actions: [], acceptedEvents: 700 }),
    );
    expect(report).toContain('진단상 이상 없음');
    expect(report).toContain('구간 내 admin_audit_log에 재처리/재전송 기록 없음');
    expect(report).toContain('어디에도 없는 수집 건 0건');
  });
});
