import { runbookCurl, runbookMetrics, runbookSqlPlaybook } from './runbook';

describe('reading the runbook for the tests that run it', () => {
  it('finds the §6 SQL playbook with §6-3 option A only', () => {
    const blocks = runbookSqlPlaybook();
    expect(blocks.map((block) => block.section)).toEqual(['6-1', '6-1', '6-2', '6-2', '6-3']);
    expect(blocks[4]).toMatchObject({ option: 'A', code: expect.stringContaining('dispatch_target') });
    expect(blocks.some((block) => block.code.includes('sink_type'))).toBe(false);
  });

  it('finds the three §5 curl commands', () => {
    expect(runbookCurl('5-1')).toMatch(
      /^curl -X GET ".*\/outbox\/summary" \\\n {2}-H "Authorization: Bearer <ADMIN_TOKEN>"$/,
    );
    expect(runbookCurl('5-2')).toContain('/outbox/replay?limit=200');
    expect(runbookCurl('5-3')).toContain('/mq-traces?messageId=<MESSAGE_ID>&limit=50');
  });

  it('maps the §1-2 metric table to Prometheus names and tags as DESIGN §10 does', () => {
    const metrics = runbookMetrics();
    expect(metrics).toHaveLength(10);
    expect(metrics).toContainEqual({
      runbookName: 'analytics.user-activity.dispatch.enqueue',
      name: 'analytics_user_activity_dispatch_enqueue_total',
      tags: ['result', 'target'],
      values: { result: ['inserted', 'duplicate', 'fail'] },
    });
    expect(metrics).toContainEqual({
      runbookName: 'mq.consume.latency',
      name: 'mq_consume_latency_seconds',
      tags: ['topic', 'provider'],
      values: {},
    });
    expect(metrics.find((metric) => metric.runbookName === 'mq.publish.count')).toMatchObject({
      name: 'mq_publish_count_total',
      tags: ['topic', 'provider', 'result'],
    });
  });
});
