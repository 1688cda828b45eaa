import { exitOnStartupFailure } from '@app/http';
import { captureStartupFailure, createTestDatabase, FaultProxy, TestDatabase } from '@app/testing';
import { outboxRelayOptions } from '../src/outbox-relay.options';
import { bootstrap } from '../src/main';

describe('outbox-relay start-up without RabbitMQ', () => {
  const saved = { ...process.env };
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('relay_startup');
  });

  afterAll(async () => {
    process.env = { ...saved };
    await db.drop();
  });

  it('exits 1 with one line naming the masked broker URL and how to start RabbitMQ', async () => {
    const closed = await FaultProxy.start('127.0.0.1', 5672);
    closed.cut();
    const port = closed.port;
    process.env.DATABASE_URL = db.url;
    process.env.RABBITMQ_URL = `amqp://guest:secret@127.0.0.1:${port}`;
    process.env.PORT = '0';

    const failure = await captureStartupFailure(() => bootstrap().catch(exitOnStartupFailure(outboxRelayOptions.name)));
    await closed.close();

    expect(failure.exitCode).toBe(1);
    expect(failure.stderrLines).toHaveLength(1);
    expect(failure.stderrLines[0]).toContain(
      `outbox-relay: RabbitMQ is unreachable at amqp://guest:****@127.0.0.1:${port}`,
    );
    expect(failure.stderrLines[0]).toContain('rabbitmq-server');
    expect(failure.stderrLines[0]).not.toContain('secret');
  });
});
