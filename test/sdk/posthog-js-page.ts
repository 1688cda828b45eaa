import { Browser, BrowserContext, Page } from 'playwright-core';
import { waitFor } from '@app/testing';
import { desktopUserAgent } from './browser-page';
import { readmeSnippet, withHostAndKey } from './readme-snippets';
import { RecordingProxy } from './recording-proxy';
import { testProperties } from './sdk.harness';
import { wireEventsBySeq } from './wire-events';

/** What the page script sees: posthog-js's global and what its `on_request_error` hook collected. */
interface PageGlobals {
  posthog: {
    set_config(config: Record<string, unknown>): void;
    capture(event: string, properties: Record<string, unknown>): unknown;
    identify(distinctId: string): void;
  };
  requestErrors: number[];
}

/** A page of a site using posthog-js, set up with the README's lines; the test captures and identifies through it. */
export class PosthogJsPage {
  private constructor(
    private readonly context: BrowserContext,
    private readonly page: Page,
    /** Uncaught errors of the page (none expected: posthog-js must not throw). */
    readonly pageErrors: string[],
    /** The page's console lines. */
    private readonly console: string[],
  ) {}

  static async open(browser: Browser, siteUrl: string, apiHost: string, key: string): Promise<PosthogJsPage> {
    const context = await browser.newContext({ userAgent: desktopUserAgent(browser) });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const consoleLines: string[] = [];
    page.on('console', (message) => consoleLines.push(message.text()));
    await page.goto(siteUrl);
    await page.evaluate(
      (setup) => {
        const globals = globalThis as unknown as PageGlobals;
        globals.requestErrors = [];
        // The README's lines, as a site runs them.
        // eslint-disable-next-line @typescript-eslint/no-implied-eval
        new Function('posthog', setup)(globals.posthog);
        globals.posthog.set_config({
          // Only its log says when it puts a request aside to send again.
          debug: true,
          // It drops captures past a burst of 100 (then 10 a second); a person's page never captures 300 at once.
          rate_limiting: { events_per_second: 1_000, events_burst_limit: 1_000 },
          on_request_error: (response: { statusCode: number }) => globals.requestErrors.push(response.statusCode),
        });
      },
      withHostAndKey(readmeSnippet('posthog-js'), apiHost, key),
    );
    return new PosthogJsPage(context, page, pageErrors, consoleLines);
  }

  async capture(events: { seq: number; name: string }[]): Promise<void> {
    await this.page.evaluate(
      (captures) => {
        const globals = globalThis as unknown as PageGlobals;
        for (const { name, properties } of captures) {
          globals.posthog.capture(name, properties);
        }
      },
      events.map(({ seq, name }) => ({ name, properties: testProperties('posthog-js', seq) })),
    );
  }

  async identify(distinctId: string): Promise<void> {
    await this.page.evaluate((id) => (globalThis as unknown as PageGlobals).posthog.identify(id), distinctId);
  }

  /** Waits until `count` test events have been answered 200 at the proxy (posthog-js sends every few seconds). */
  async waitUntilSent(proxy: RecordingProxy, from: number, count: number): Promise<void> {
    await waitFor(
      `${count} posthog-js events answered 200`,
      () => {
        const requests = proxy.requestsSince(from);
        return {
          answered: wireEventsBySeq(requests.filter((request) => request.answer === 200)).size,
          answers: requests.map((request) => `${request.method} ${request.url} ${request.answer}`),
        };
      },
      ({ answered }) => answered >= count,
      60_000,
      200,
    );
  }

  /** Requests posthog-js has put in its retry queue so far (it says so in its debug log). */
  retriesScheduled(): number {
    return this.console.filter((text) => text.includes('Enqueued failed request for retry')).length;
  }

  async requestErrors(): Promise<number[]> {
    return this.page.evaluate(() => (globalThis as unknown as PageGlobals).requestErrors);
  }

  /** Waits for posthog-js to report a failed request, and returns the statuses it reported. */
  async waitForRequestErrors(): Promise<number[]> {
    return waitFor(
      'posthog-js to report a failed request',
      () => this.requestErrors(),
      (errors) => errors.length > 0,
      30_000,
      100,
    );
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}
