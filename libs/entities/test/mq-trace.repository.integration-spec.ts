import { DataSource } from 'typeorm';
import { createTestDatabase, seedMqTraces, TestDatabase } from '@app/testing';
import { dataSourceOptions } from '../src/data-source-options';
import { TraceStage } from '../src/message-queue-trace.entity';
import { MqTraceRepository } from '../src/mq-trace.repository';

const MINUTE_MS = 60_000;

describe('MqTraceRepository on a migrated database', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let traces: MqTraceRepository;

  beforeAll(async () => {
    db = await createTestDatabase('mq_trace_repository');
    dataSource = await new DataSource(dataSourceOptions(db.url, 2, 'mq-trace-repository-test')).initialize();
    traces = new MqTraceRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  beforeEach(async () => {
    await db.query('TRUNCATE message_queue_trace_log');
  });

  const trace = {
    topic: 'domain.user.activity',
    provider: 'rabbitmq',
    messageKey: 'ui.page.viewed',
    consumerGroup: null,
    processingMillis: 12,
    errorMessage: null,
  };

  it('runs one dead-letter re-drive at a time: a second waits until the first commits, then reads a later time', async () => {
    const order: string[] = [];
    let releaseFirst = (): void => undefined;
    const firstHolds = new Promise<void>((resolve) => (releaseFirst = resolve));
    let firstLocked = (): void => undefined;
    const firstHasLock = new Promise<void>((resolve) => (firstLocked = resolve));

    const first = dataSource.transaction(async (tx) => {
      const movedAt = await traces.lockRedrive(tx);
      firstLocked();
      await firstHolds;
      order.push('first commits');
      return movedAt;
    });
    await firstHasLock;
    const second = dataSource.transaction(async (tx) => {
      const movedAt = await traces.lockRedrive(tx);
      order.push('second locked');
      return movedAt;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(order).toEqual([]);
    releaseFirst();

    const [firstAt, secondAt] = await Promise.all([first, second]);
    expect(order).toEqual(['first commits', 'second locked']);
    expect(Date.parse(secondAt)).toBeGreaterThan(Date.parse(firstAt));
  });

  it('writes a batch of traces in the transaction, cutting over-long values to their column by code points', async () => {
    const emojiId = '😀'.repeat(150);

    await dataSource.transaction((tx) =>
      traces.write(tx, [
        { ...trace, messageId: 'm-1', stage: TraceStage.Publish },
        { ...trace, messageId: emojiId, stage: TraceStage.PublishFail, errorMessage: 'x'.repeat(1_500) },
      ]),
    );

    const [newest, oldest] = await traces.newest(null, 10);
    expect(oldest).toMatchObject({ messageId: 'm-1', stage: TraceStage.Publish, processingMillis: 12 });
    expect(newest.messageId).toBe('😀'.repeat(100));
    expect(newest.errorMessage).toHaveLength(1_000);
  });

  it('writes nothing, and leaves the transaction usable, for an empty batch', async () => {
    await dataSource.transaction((tx) => traces.write(tx, []));
    expect(await traces.newest(null, 10)).toEqual([]);
  });

  it('lists the newest traces of one message by stage time, and the cause of each dead letter', async () => {
    const now = Date.now();
    await seedMqTraces(db, [
      { messageId: 'm-1', stage: 'CONSUME_SUCCESS', createdAt: new Date(now - MINUTE_MS) },
      { messageId: 'm-1', stage: 'PUBLISH', createdAt: new Date(now - 2 * MINUTE_MS) },
      { messageId: 'm-2', stage: 'DEAD_LETTER', errorMessage: 'first cause', createdAt: new Date(now - 3 * MINUTE_MS) },
      { messageId: 'm-2', stage: 'DEAD_LETTER', errorMessage: 'latest cause', createdAt: new Date(now - MINUTE_MS) },
    ]);

    expect((await traces.newest('m-1', 10)).map((view) => view.stage)).toEqual(['CONSUME_SUCCESS', 'PUBLISH']);
    expect(await traces.deadLetterCauses(['m-1', 'm-2'])).toEqual(new Map([['m-2', 'latest cause']]));
  });
});
