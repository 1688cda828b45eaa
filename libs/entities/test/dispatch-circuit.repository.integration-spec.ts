import { DataSource } from 'typeorm';
import { CircuitState } from '@app/state-machines';
import { createTestDatabase, TestDatabase } from '@app/testing';
import { dataSourceOptions } from '../src/data-source-options';
import { DispatchCircuitRepository } from '../src/dispatch-circuit.repository';

describe('DispatchCircuitRepository on a migrated database', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let circuits: DispatchCircuitRepository;

  beforeAll(async () => {
    db = await createTestDatabase('dispatch_circuit_repository');
    dataSource = await new DataSource(dataSourceOptions(db.url, 2, 'dispatch-circuit-repository-test')).initialize();
    circuits = new DispatchCircuitRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it('finds nothing for a target whose breaker never changed', async () => {
    expect(await circuits.find('NEVER')).toBeNull();
  });

  it('keeps one row per target, the last transition written (ON CONFLICT DO UPDATE)', async () => {
    const openedAt = Date.now() - 5_000;
    await circuits.save('POSTHOG', { state: CircuitState.Open, consecutiveFailures: 5, openedAt });
    await circuits.save('WEBHOOK', { state: CircuitState.Closed, consecutiveFailures: 0, openedAt: null });
    expect(await circuits.find('POSTHOG')).toMatchObject({
      state: CircuitState.Open,
      consecutiveFailures: 5,
      openedAt,
    });

    await circuits.save('POSTHOG', { state: CircuitState.Closed, consecutiveFailures: 0, openedAt: null });

    const all = await circuits.findAll();
    expect(all.map(({ target, state, openedAt: opened }) => ({ target, state, opened }))).toEqual([
      { target: 'POSTHOG', state: CircuitState.Closed, opened: null },
      { target: 'WEBHOOK', state: CircuitState.Closed, opened: null },
    ]);
  });
});
