import { coreSchema, loadConfig } from '@app/config';
import { LogSignals } from '@app/observability';
import { LocalRun, readmeBashBlocks, readmeSection, runbookSqlPlaybook, waitFor } from '@app/testing';

// The README's commands, read from the README and run through bash against `npm start` (start-all.js without its
// build: run `npm run build` first) in a directory whose .env is .env.example pointed at a fresh database and vhost.
const [twoCommands, sendEvent, exportLine, adminCalls] = readmeBashBlocks('## Two commands', '## Layout');
const [operationHelpers] = readmeBashBlocks('## Operations', '### §1-1');
const logSection = readmeSection('### §1-1', '### §1-2');
const [jqTemplate, grepTemplate] = [...logSection.matchAll(/`(logs <app> \| [^`]+)`/g)].map((match) => match[1]);

/** The answers of several curl calls printed back to back (curl adds no newline). */
function answers(stdout: string): unknown[] {
  return stdout
    .replace(/}(?={"success")/g, '}\n')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);
}

describe('the README, followed by a newcomer against npm start', () => {
  let local: LocalRun;

  beforeAll(async () => {
    local = await LocalRun.start('readme_local_run');
  });

  afterAll(async () => {
    await local?.close();
  });

  it('shows the commands this test runs', () => {
    expect(twoCommands).toContain('npm ci && npm start');
    expect(exportLine).toBe('export ADMIN=http://localhost:3004 TOKEN=…');
    expect(operationHelpers.split('\n')).toContain(exportLine);
    const defaultUrl = loadConfig(coreSchema, {}).DATABASE_URL;
    expect(operationHelpers).toContain(`export DATABASE_URL="\${DATABASE_URL:-${defaultUrl}}"`);
    expect(jqTemplate).toBe(`logs <app> | jq -c 'select(.signal == "<signal>")'`);
    expect(grepTemplate).toBe("logs <app> | grep '<msg>'");
  });

  it('stores the event, then the runbook admin calls answer with the token npm start printed', async () => {
    const printed = await waitFor(
      'the export line',
      () => local.printedExport,
      (line) => line !== undefined,
    );
    const token = printed!.split('TOKEN=')[1];
    expect(token).toMatch(/^[0-9a-f]{40}$/);
    expect(printed).toBe(exportLine.replace('3004', String(local.firstPort + 4)).replace('…', token));

    expect(answers(await local.bash(sendEvent))).toEqual([
      { success: true, data: { acceptedCount: 1, duplicateCount: 0 } },
    ]);
    await waitFor(
      'e-1 stored',
      () => local.db.query("SELECT 1 FROM user_activity_event WHERE event_id = 'e-1'"),
      (rows) => rows.length === 1,
    );
    // As if its publish had failed for good: the §5-2 replay has a row to send again.
    await local.db.query(
      "UPDATE user_activity_source_outbox SET status = 'FAILED', retry_count = 1, next_retry_at = NULL WHERE event_id = 'e-1'",
    );

    const [summary, replay, traces] = answers(await local.bash(`${printed}\n${adminCalls}`)) as {
      success: boolean;
      data: Record<string, unknown> | { stage: string }[];
    }[];
    expect(summary).toEqual({ success: true, data: expect.objectContaining({ failedCount: 1, parkedCount: 1 }) });
    expect(replay).toEqual({
      success: true,
      data: { limit: 200, processedCount: 1, successCount: 1, failedCount: 0 },
    });
    expect(traces.success).toBe(true);
    expect((traces.data as { stage: string }[]).map((trace) => trace.stage)).toEqual(
      expect.arrayContaining(['PUBLISH', 'CONSUME_SUCCESS']),
    );
  });

  it('the Operations helpers read this run: logs with jq and grep, psql with the §6 queries', async () => {
    const printed = local.printedExport!;
    const helpers = operationHelpers.replace(exportLine, printed).replace(/^psql .*$/m, '');
    const psql = /^psql .*$/m.exec(operationHelpers)![0].replace(/\s+#.*$/, ''); // the comment would swallow <<SQL
    const env = { DATABASE_URL: local.db.url };
    const fill = (template: string) =>
      template
        .replace('<app>', 'event-store-consumer')
        .replace('<signal>', LogSignals.storeDuplicate.signal)
        .replace('<msg>', LogSignals.storeDuplicate.msg);

    // The replay of the previous test sent e-1 again; the store says so once it sees it.
    const duplicate = await waitFor(
      'the store_duplicate line',
      () => local.bash(`${helpers}\n${fill(jqTemplate)}`, env),
      (stdout) => stdout.trim() !== '',
    );
    expect(JSON.parse(duplicate)).toMatchObject({
      app: 'event-store-consumer',
      signal: 'store_duplicate',
      eventId: 'e-1',
    });
    const grep = await local.bash(`${helpers}\n${fill(grepTemplate)}`, env);
    expect(grep.trim().split('\n')).toHaveLength(1);

    const [recent, duplicates] = runbookSqlPlaybook().filter((block) => block.section === '6-1');
    expect(await local.bash(`${helpers}\n${psql} <<'SQL'\n${recent.code}\nSQL`, env)).toMatch(
      /ui\.page\.viewed\s*\|\s*1\b/,
    );
    expect(await local.bash(`${helpers}\n${psql} <<'SQL'\n${duplicates.code}\nSQL`, env)).toContain('(0 rows)');
  });

  it('stops every app on Ctrl-C', async () => {
    expect(await local.interrupt()).toBe(0);
    const health = await Promise.all(
      [0, 1, 2, 3, 4].map((index) =>
        fetch(`http://127.0.0.1:${local.firstPort + index}/health/live`).then(
          () => 'answered',
          () => 'refused',
        ),
      ),
    );
    expect(health).toEqual(['refused', 'refused', 'refused', 'refused', 'refused']);
  });
});
