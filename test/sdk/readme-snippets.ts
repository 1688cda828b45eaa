import { readmeSection } from '@app/testing';

const README_HOST = 'https://ingest.example.com';
const README_KEY = /'(?:phc|seg|rs)_\w+_key'/;

/** The README's set-up lines for one SDK: the js block after the line that names it. */
export function readmeSnippet(sdk: string): string {
  const section = readmeSection('## Use your existing SDK', '## Layout');
  const match = new RegExp(
    `^${sdk.replace(/[/.@-]/g, '\\$&')}[: ][\\s\\S]*?\\n\`\`\`js\\n([\\s\\S]*?)\`\`\``,
    'm',
  ).exec(section);
  if (match === null) {
    throw new Error(`README.md "Use your existing SDK" has no js block for ${sdk}`);
  }
  return match[1].replace(README_HOST, '__HOST__').replace(README_KEY, '__KEY__');
}

/** The snippet with the test's host and key in place of the README's. */
export function withHostAndKey(snippet: string, host: string, key: string): string {
  return snippet.replace('__HOST__', host).replace('__KEY__', JSON.stringify(key));
}

type AsyncFunctionConstructor = new (...parameters: string[]) => (...values: unknown[]) => Promise<unknown>;
const AsyncFunction = async function () {}.constructor as AsyncFunctionConstructor;

/**
 * Runs a server SDK's README lines as an app would: the set-up lines now, with the SDK class and a `logger` in scope,
 * returning the client; `exit()` runs its `await …` lines (shutdown, flush) with that client.
 */
export async function clientFromReadme<T>(
  sdk: string,
  host: string,
  key: string,
  scope: Record<string, unknown>,
): Promise<{ client: T; exit: () => Promise<void> }> {
  const lines = withHostAndKey(readmeSnippet(sdk), host, key).split('\n');
  const setup = lines.filter((line) => !line.startsWith('await ')).join('\n');
  const exit = lines.filter((line) => line.startsWith('await ')).join('\n');
  const name = /^const (\w+) =/m.exec(setup)?.[1];
  if (name === undefined) {
    throw new Error(`the README's ${sdk} lines make no client`);
  }
  const client = (await new AsyncFunction(...Object.keys(scope), `${setup}\nreturn ${name};`)(
    ...Object.values(scope),
  )) as T;
  return {
    client,
    exit: async () => {
      await new AsyncFunction(name, exit)(client);
    },
  };
}
