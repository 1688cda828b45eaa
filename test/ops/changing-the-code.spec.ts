import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const repoRoot = join(__dirname, '..', '..');
const page = readFileSync(join(repoRoot, 'docs/changing-the-code.md'), 'utf8');

/** Backticked repository paths: with a slash (`apps/…`, `libs/x`), or a root dotfile (`.env.example`). */
const paths = [
  ...new Set(
    [...page.matchAll(/`([^`\s]+)`/g)]
      .map((match) => match[1])
      .filter((text) => /^[\w.-]+(\/[\w.<>-]+)+\/?$/.test(text) || /^\.[\w.-]+$/.test(text)),
  ),
];

/** Every file and folder under `dir`, relative to the repository root, skipping what the build and npm make. */
function entriesUnder(dir: string): string[] {
  if (!existsSync(join(repoRoot, dir))) {
    return [];
  }
  return readdirSync(join(repoRoot, dir), { recursive: true, encoding: 'utf8' })
    .map((entry) => `${dir}/${entry}`)
    .filter((entry) => !/\/(node_modules|dist)\//.test(entry));
}

/** `apps/<app>/src/<app>.config.ts`: each `<…>` is one or more characters of a single path segment. */
function patternExists(path: string): boolean {
  const fixed = path.slice(0, path.indexOf('<')).replace(/\/[^/]*$/, '');
  const pattern = new RegExp(
    `^${path
      .split(/(<[^>]+>)/)
      .map((part) => (part.startsWith('<') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
  );
  return entriesUnder(fixed).some((entry) => pattern.test(entry));
}

describe('docs/changing-the-code.md', () => {
  it('names files by their repository paths', () => {
    expect(paths.length).toBeGreaterThan(40);
  });

  it('names only paths that exist, a `<name>` pattern matching at least one', () => {
    const missing = paths.filter((path) =>
      path.includes('<') ? !patternExists(path) : !existsSync(join(repoRoot, path)),
    );
    expect(missing).toEqual([]);
  });
});
