import { Browser } from 'playwright-core';
import { waitFor } from '@app/testing';
import { launchChromium, TestSite } from './browser-page';
import { PosthogJsPage } from './posthog-js-page';
import {
  ExpectedEvent,
  expectRefusedOnce,
  expectResentAfterLostAnswer,
  expectStoredOnceAndDelivered,
  notResentAfterLostAnswer,
  SDK_KEYS,
  SdkPipeline,
  seqs,
  sourceOutboxRows,
  startSdkPipeline,
  stopSdkPipeline,
  testProperties,
  UNKNOWN_KEY,
  wireEvents,
  wireEventsBySeq,
} from './sdk.harness';
import { sendWithPosthogNode, sendWithRudder, sendWithSegment, ServerSdkSender, ServerTestEvent } from './server-sdks';

// Each SDK, unmodified and with its defaults but for its host and key, sends through the built pipeline:
// SDK → recording proxy → ingest-api → outbox-relay → RabbitMQ → event-store-consumer → dispatcher → fake PostHog.

const EVENTS_PER_SDK = 300;
const HOUR_MS = 3_600_000;

/**
 * Events as a backend sends them: members (a numeric user id), visitors (an anonymous id only) and users with a
 * non-numeric id next to an anonymous id; three of four with a time of their own in the past, the rest stamped by
 * the SDK.
 */
function serverEvents(sdk: string, firstSeq: number, count: number): ServerTestEvent[] {
  const past = Date.now() - HOUR_MS;
  return seqs(firstSeq, count).map((seq) => ({
    seq,
    name: seq % 2 === 0 ? 'review.created' : 'ui.restaurant.clicked',
    userId: seq % 3 === 0 ? String(700_000 + seq) : seq % 3 === 2 ? `user-${seq}` : undefined,
    anonymousId: seq % 3 === 0 && sdk === 'posthog-node' ? undefined : `visitor-${seq}`,
    timestamp: seq % 4 === 0 ? undefined : new Date(past - seq * 1_000),
    properties: testProperties(sdk, seq),
  }));
}

/** A numeric user id is a member; anything else is anonymous, the user id winning over the anonymous id. */
function identity(event: ServerTestEvent): Pick<ExpectedEvent, 'memberId' | 'anonymousId'> {
  return event.userId !== undefined && /^\d+$/.test(event.userId)
    ? { memberId: Number(event.userId), anonymousId: null }
    : { memberId: null, anonymousId: event.userId ?? event.anonymousId! };
}

async function sendAndExpect(
  sdk: SdkPipeline,
  send: ServerSdkSender,
  key: string,
  events: ServerTestEvent[],
): Promise<{ errors: unknown[]; from: number }> {
  const from = sdk.proxy.requests.length;
  const startedAt = Date.now();
  const errors = await send(sdk.proxy.url, key, events);
  const endedAt = Date.now();
  const wire = wireEventsBySeq(sdk.proxy.requestsSince(from));
  expect(events.filter((event) => !wire.has(event.seq)).map((event) => event.seq)).toEqual([]);
  await expectStoredOnceAndDelivered(
    sdk,
    events.map((event) => ({
      id: wire.get(event.seq)!.id,
      name: event.name,
      ...identity(event),
      source: 'SERVER',
      properties: event.properties,
      occurredBetween:
        event.timestamp === undefined
          ? [startedAt, endedAt]
          : [event.timestamp.getTime(), event.timestamp.getTime() + (endedAt - startedAt)],
    })),
  );
  return { errors, from };
}

describe('existing analytics SDKs pointed at ingest-api', () => {
  let sdk: SdkPipeline;

  beforeAll(async () => {
    sdk = await startSdkPipeline('sdk_clients');
  }, 120_000);

  afterAll(async () => {
    await stopSdkPipeline(sdk);
  });

  const serverSdks: { name: string; send: ServerSdkSender; key: string }[] = [
    { name: 'posthog-node', send: sendWithPosthogNode, key: SDK_KEYS.backend },
    { name: '@segment/analytics-node', send: sendWithSegment, key: SDK_KEYS.segment },
    { name: '@rudderstack/rudder-sdk-node', send: sendWithRudder, key: SDK_KEYS.rudder },
  ];

  describe.each(serverSdks)('$name', ({ name, send, key }) => {
    const base = serverSdks.findIndex((entry) => entry.name === name) * 10_000;

    it(`delivers ${EVENTS_PER_SDK} events exactly once with their ids, names, people, times and properties, and reports no error`, async () => {
      const { errors, from } = await sendAndExpect(sdk, send, key, serverEvents(name, base, EVENTS_PER_SDK));
      expect(errors).toEqual([]);
      const answers = sdk.proxy.requestsSince(from).map((request) => request.answer);
      expect(answers.filter((status) => status !== 200)).toEqual([]);
    });

    it('sends a batch again when its answer is lost after the commit, and nothing is stored twice', async () => {
      sdk.proxy.loseAnswers(1);
      const { errors, from } = await sendAndExpect(sdk, send, key, serverEvents(name, base + 1_000, 30));
      expect(errors).toEqual([]);
      expectResentAfterLostAnswer(sdk.proxy.requestsSince(from));
    });

    it('gets 401 for an unknown key, reports the error and does not send the events again', async () => {
      const from = sdk.proxy.requests.length;
      const errors = await send(sdk.proxy.url, UNKNOWN_KEY, serverEvents(name, base + 2_000, 5));
      expect(errors.length).toBeGreaterThan(0);
      await expectRefusedOnce(sdk, sdk.proxy.requestsSince(from));
    });
  });

  describe('posthog-js in headless Chromium', () => {
    let browser: Browser;
    let site: TestSite;

    beforeAll(async () => {
      [browser, site] = await Promise.all([launchChromium(), TestSite.start()]);
    });

    afterAll(async () => {
      await browser?.close();
      await site?.close();
    });

    async function openPage(key: string): Promise<PosthogJsPage> {
      return PosthogJsPage.open(browser, site.url, sdk.proxy.url, key);
    }

    it(`delivers ${EVENTS_PER_SDK} captures of a visitor who then signs in, skips the not-allowed $identify, and reports no error`, async () => {
      const page = await openPage(SDK_KEYS.web);
      const from = sdk.proxy.requests.length;
      const half = EVENTS_PER_SDK / 2;
      const startedAt = Date.now();
      await page.capture(seqs(50_000, half).map((seq) => ({ seq, name: 'ui.page.viewed' })));
      await page.identify('424242');
      await page.capture(seqs(50_000 + half, half).map((seq) => ({ seq, name: 'ui.restaurant.clicked' })));
      await page.waitUntilSent(sdk.proxy, from, EVENTS_PER_SDK);
      const endedAt = Date.now();

      const wire = wireEventsBySeq(sdk.proxy.requestsSince(from));
      await expectStoredOnceAndDelivered(
        sdk,
        seqs(50_000, EVENTS_PER_SDK).map((seq) => {
          const sent = wire.get(seq)!;
          const distinctId = String(sent.properties.distinct_id);
          return {
            id: sent.id,
            name: seq < 50_000 + half ? 'ui.page.viewed' : 'ui.restaurant.clicked',
            memberId: seq < 50_000 + half ? null : 424242,
            anonymousId: seq < 50_000 + half ? distinctId : null,
            source: 'CLIENT',
            properties: testProperties('posthog-js', seq),
            occurredBetween: [startedAt, endedAt],
          };
        }),
      );
      expect(await page.requestErrors()).toEqual([]);
      expect(page.pageErrors).toEqual([]);
      // Not in the allowlist of a browser key: skipped, its batch stored all the same.
      const identify = wireEvents(sdk.proxy.requestsSince(from)).filter((event) => event.body.event === '$identify');
      expect(identify).toHaveLength(1);
      expect(await sourceOutboxRows(sdk, [identify[0].id])).toBe(0);
      await page.close();
    });

    it('sends a batch again when its answer is lost after the commit, and nothing is stored twice', async () => {
      const page = await openPage(SDK_KEYS.web);
      const from = sdk.proxy.requests.length;
      sdk.proxy.loseAnswers(1);
      const startedAt = Date.now();
      await page.capture(seqs(60_000, 20).map((seq) => ({ seq, name: 'ui.search.executed' })));
      await page.waitUntilSent(sdk.proxy, from, 20);
      await waitFor(
        'posthog-js to send the batch of the lost answer again',
        () => notResentAfterLostAnswer(sdk.proxy.requestsSince(from)),
        (left) => left.length === 0,
        30_000,
      );
      const endedAt = Date.now();
      const wire = wireEventsBySeq(sdk.proxy.requestsSince(from));
      await expectStoredOnceAndDelivered(
        sdk,
        seqs(60_000, 20).map((seq) => ({
          id: wire.get(seq)!.id,
          name: 'ui.search.executed',
          memberId: null,
          anonymousId: String(wire.get(seq)!.properties.distinct_id),
          source: 'CLIENT',
          properties: testProperties('posthog-js', seq),
          occurredBetween: [startedAt, endedAt],
        })),
      );
      expectResentAfterLostAnswer(sdk.proxy.requestsSince(from));
      expect(page.retriesScheduled()).toBe(1);
      await page.close();
    });

    it('gets 401 for an unknown key, reports the error and keeps nothing to send again', async () => {
      const page = await openPage(UNKNOWN_KEY);
      const from = sdk.proxy.requests.length;
      await page.capture(seqs(70_000, 5).map((seq) => ({ seq, name: 'ui.tab.changed' })));
      expect(await page.waitForRequestErrors()).toEqual([401]);
      expect(page.retriesScheduled()).toBe(0);
      await expectRefusedOnce(sdk, sdk.proxy.requestsSince(from));
      await page.close();
    });
  });
});
