import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CircuitSnapshot, CircuitState } from '@app/state-machines';

export interface StoredCircuit extends CircuitSnapshot {
  target: string;
  updatedAt: string;
}

interface CircuitRow {
  target: string;
  state: CircuitState;
  consecutiveFailures: number;
  openedAt: Date | null;
  updatedAt: Date;
}

@Injectable()
export class DispatchCircuitRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Records a breaker transition of one replica; the last writer wins, which is what admin-api shows. */
  async save(target: string, circuit: CircuitSnapshot): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO user_activity_dispatch_circuit (dispatch_target, state, consecutive_failures, opened_at, updated_at)
       VALUES ($1, $2, $3, $4, clock_timestamp())
       ON CONFLICT (dispatch_target) DO UPDATE
       SET state = EXCLUDED.state, consecutive_failures = EXCLUDED.consecutive_failures,
           opened_at = EXCLUDED.opened_at, updated_at = clock_timestamp()`,
      [
        target,
        circuit.state,
        circuit.consecutiveFailures,
        circuit.openedAt === null ? null : new Date(circuit.openedAt).toISOString(),
      ],
    );
  }

  async find(target: string): Promise<StoredCircuit | null> {
    const rows = await this.select('WHERE dispatch_target = $1', [target]);
    return rows[0] ?? null;
  }

  async findAll(): Promise<StoredCircuit[]> {
    return this.select('', []);
  }

  private async select(where: string, parameters: unknown[]): Promise<StoredCircuit[]> {
    const rows = await this.dataSource.query<CircuitRow[]>(
      `SELECT dispatch_target AS target, state, consecutive_failures AS "consecutiveFailures",
              opened_at AS "openedAt", updated_at AS "updatedAt"
       FROM user_activity_dispatch_circuit ${where} ORDER BY dispatch_target`,
      parameters,
    );
    return rows.map((row) => ({
      target: row.target,
      state: row.state,
      consecutiveFailures: row.consecutiveFailures,
      openedAt: row.openedAt === null ? null : row.openedAt.getTime(),
      updatedAt: row.updatedAt.toISOString(),
    }));
  }
}
