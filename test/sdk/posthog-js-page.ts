import { Browser, BrowserContext, Page } from 'playwright-core';
import { waitFor } from '@app/testing';
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
    _retryQueue?: { length: number };
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
  ) {}

  static async open(browser: Browser, siteUrl: string, apiHost: string, key: string): Promise<PosthogJsPage> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(siteUrl);
    await page.evaluate(
      (setup) => {
        const globals = globalThis as unknown as PageGlobals;
        globals.requestErrors = [];
        // The README's lines, as a site runs them.
        // eslint-disable-next-line @typescript-eslint/no-implied-eval
        new Function('posthog', setup)(globals.posthog);
        globals.posthog.set_config({
          on_request_error: (response: { statusCode: number }) => globals.requestErrors.push(response.statusCode),
        });
      },
      withHostAndKey(readmeSnippet('posthog-js'), apiHost, key),
    );
    return new PosthogJsPage(context, page, pageErrors);
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
      () => wireEventsBySeq(proxy.requestsSince(from).filter((request) => request.answer === 200)).size,
      (answered) => answered >= count,
      60_000,
      200,
    );
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

  /** Requests posthog-js holds to send again later. */
  async pendingRetries(): Promise<number> {
    return this.page.evaluate(() => (globalThis as unknown as PageGlobals).posthog._retryQueue?.length ?? -1);
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}
