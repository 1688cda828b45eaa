import { existsSync, readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { Browser, chromium } from 'playwright-core';
import { testEnvironment } from '@app/testing';

const CHROMIUM_NAMES = ['chromium', 'chromium-browser'];

/** Debian's chromium on PATH (`apt-get install chromium`; .ci/run installs it). */
function chromiumPath(): string {
  for (const directory of (testEnvironment.PATH ?? '').split(delimiter)) {
    for (const name of CHROMIUM_NAMES) {
      const candidate = join(directory, name);
      if (existsSync(candidate)) {
        return candidate;
      }
    }
  }
  throw new Error('no chromium on PATH: install it with `apt-get install chromium` (.ci/run does)');
}

/**
 * Headless Chromium as root on a closed network: no sandbox (root), and none of the background connections to
 * Google's hosts that would be refused. posthog-js drops every event of a browser that looks automated
 * (`navigator.webdriver`, a HeadlessChrome user agent) as a bot's, so the page gets what a person's Chrome shows.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--disable-blink-features=AutomationControlled',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The user agent of the same Chrome when a person runs it. */
export function desktopUserAgent(browser: Browser): string {
  return `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${browser.version()} Safari/537.36`;
}

/** posthog-js's browser bundle, as a site loads it with a script tag. */
function posthogJsBundle(): Buffer {
  return readFileSync(join(dirname(require.resolve('posthog-js')), 'array.full.js'));
}

/**
 * A web site on an origin of its own (so every capture request is cross-origin, as for a real site) whose page
 * loads posthog-js; the test initialises and drives it with `page.evaluate`.
 */
export class TestSite {
  private constructor(private readonly server: Server) {}

  static async start(): Promise<TestSite> {
    const bundle = posthogJsBundle();
    const server = createServer((request, response) => {
      if (request.url === '/posthog.js') {
        response.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
      } else {
        response
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end('<!doctype html><meta charset="utf-8"><title>shop</title><script src="/posthog.js"></script>');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new TestSite(server);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
