import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientEventInputs, PrometheusAlert, PrometheusServer, shortenAlertRules, waitFor } from '@app/testing';
import {
  APP_NAMES,
  ConformancePipeline,
  startConformancePipeline,
  storedCount,
} from '../conformance/conformance.harness';

/** 5 min windows and `for:` become 10 s: the real rules, played thirty times faster. */
const TIME_FACTOR = 30;
const PUBLISH_FAILING = 'UserActivityPublishFailing';

function publishFailing(alerts: PrometheusAlert[]): PrometheusAlert | undefined {
  return alerts.find((alert) => alert.labels.alertname === PUBLISH_FAILING);
}

describe('alerts on real data: Prometheus scraping the five apps with ops/prometheus/alerts.yml', () => {
  let pipeline: ConformancePipeline;
  let prometheus: PrometheusServer;

  beforeAll(async () => {
    pipeline = await startConformancePipeline('alerts_real_data', { brokerThroughProxy: ['outbox-relay'] });
    const rules = readFileSync(join(__dirname, '../../ops/prometheus/alerts.yml'), 'utf8');
    prometheus = await PrometheusServer.start({
      rules: shortenAlertRules(rules, TIME_FACTOR),
      targets: APP_NAMES.map((name) => ({ job: name, url: pipeline.apps[name].url })),
      intervalSeconds: 1,
    });
    await waitFor(
      'Prometheus to scrape all five apps',
      () => prometheus.query('up == 1'),
      (up) => up.length === APP_NAMES.length,
    );
  });

  afterAll(async () => {
    await prometheus?.stop();
    await pipeline?.close();
  });

  it('fires UserActivityPublishFailing while RabbitMQ is cut off from the relay, and resolves after recovery', async () => {
    const before = clientEventInputs(5);
    await pipeline.ingest('anon-alerts-before', before).expect(202);
    await waitFor(
      'the first events stored',
      () =>
        storedCount(
          pipeline.db,
          before.map((event) => event.eventId),
        ),
      (count) => count === 5,
    );
    expect(publishFailing(await prometheus.alerts())).toBeUndefined();

    pipeline.brokerProxy.cut();
    const during = clientEventInputs(5);
    await pipeline.ingest('anon-alerts-during', during).expect(202);
    const firing = await waitFor(
      `${PUBLISH_FAILING} firing`,
      async () => publishFailing(await prometheus.alerts()),
      (alert) => alert?.state === 'firing',
      60_000,
    );
    expect(firing).toMatchObject({
      labels: { alertname: PUBLISH_FAILING, severity: 'critical', component: 'mq' },
      annotations: { summary: expect.stringMatching(/^MQ publish 실패율 \d/) },
    });

    pipeline.brokerProxy.restore();
    await waitFor(
      'the events published during the outage stored',
      () =>
        storedCount(
          pipeline.db,
          during.map((event) => event.eventId),
        ),
      (count) => count === 5,
      60_000,
    );
    await waitFor(
      `${PUBLISH_FAILING} resolved`,
      async () => publishFailing(await prometheus.alerts()),
      (alert) => alert === undefined,
      60_000,
    );
  });
});
