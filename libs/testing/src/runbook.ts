import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface RunbookBlock {
  /** The subsection the block sits in, e.g. `5-1` or `6-3`. */
  section: string;
  /** The code exactly as the runbook prints it. */
  code: string;
  /** For §6-3, which column option (`A` or `B`) the block belongs to. */
  option: string | null;
}

export interface RunbookMetric {
  /** The runbook's dotted name, e.g. `mq.consume.latency`. */
  runbookName: string;
  /** The Prometheus name by the Micrometer rule of DESIGN §10 (`.`/`-` → `_`, `_total`, timers `_seconds`). */
  name: string;
  /** The tag names of the runbook's tag column, e.g. `['result', 'target']`. */
  tags: string[];
  /** Tag values the runbook spells out, e.g. `{ result: ['success', 'fail'] }` (`*` and bare names give none). */
  values: Record<string, string[]>;
}

function runbookText(): string {
  return readFileSync(runbookPath(), 'utf8');
}

function runbookPath(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'docs', 'runbook.ko.md');
    if (existsSync(candidate)) {
      return candidate;
    }
  }
  throw new Error('docs/runbook.ko.md not found above the testing lib');
}

/** Every fenced block of one language in the runbook, with the subsection it belongs to. */
export function runbookBlocks(language: 'bash' | 'sql'): RunbookBlock[] {
  const text = runbookText();
  return [...text.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((match) => {
    const before = text.slice(0, match.index);
    const sections = [...before.matchAll(/^## \*\*\[(\d+-\d+)\]/gm)];
    const options = [...before.matchAll(/^옵션 ([A-Z]):/gm)];
    const section = sections.at(-1)?.[1] ?? '';
    const option = section === '6-3' ? (options.at(-1)?.[1] ?? null) : null;
    return { section, code: match[1].trim(), option };
  });
}

/** The SQL playbook of §6 that applies to this schema (§6-3 option A: the column is `dispatch_target`). */
export function runbookSqlPlaybook(): RunbookBlock[] {
  return runbookBlocks('sql').filter((block) => block.section.startsWith('6-') && block.option !== 'B');
}

/** The curl command of a §5 subsection (`5-1` summary, `5-2` replay, `5-3` MQ traces). */
export function runbookCurl(section: '5-1' | '5-2' | '5-3'): string {
  const block = runbookBlocks('bash').find((candidate) => candidate.section === section);
  if (!block) {
    throw new Error(`runbook §${section} has no bash block`);
  }
  return block.code;
}

export interface RunbookCurlTarget {
  /** Base URL of the admin-api; replaces `https://<host>` (plain HTTP in tests). */
  url: string;
  token: string;
  messageId?: string;
}

/** Runs a runbook command in a shell as an SRE would, with the host, token and message id filled in. */
export async function runRunbookCurl<T = unknown>(command: string, target: RunbookCurlTarget): Promise<T> {
  const filled = command
    .replace('https://<host>', target.url)
    .replace('<ADMIN_TOKEN>', target.token)
    .replace('<MESSAGE_ID>', target.messageId ?? '');
  const { stdout } = await run('bash', ['-c', filled], { timeout: 30_000 });
  return JSON.parse(stdout) as T;
}

/** The metric table of §1-2, one entry per row. */
export function runbookMetrics(): RunbookMetric[] {
  const text = runbookText();
  const table = text.slice(text.indexOf('## **[1-2]'), text.indexOf('## **[1-3]'));
  return [...table.matchAll(/^\| `([a-z.-]+)` \| `([^`]+)` \|/gm)].map(([, runbookName, tagColumn]) => {
    const snake = runbookName.replace(/[.-]/g, '_');
    const name = runbookName.endsWith('.latency') ? `${snake}_seconds` : `${snake}_total`;
    const values: Record<string, string[]> = {};
    const tags = tagColumn.includes('=')
      ? tagColumn.split(',').map((pair) => {
          const [tag, spelled] = pair.split('=');
          if (spelled !== '*') {
            values[tag] = spelled.split('/');
          }
          return tag;
        })
      : tagColumn.split('/');
    return { runbookName, name, tags, values };
  });
}
