import { Check, Column, Entity, PrimaryColumn } from 'typeorm';
import { CircuitState } from '@app/state-machines';

/** The last breaker transition seen by any dispatcher replica, so admin-api can show it. */
@Entity('user_activity_dispatch_circuit')
@Check('ck_user_activity_dispatch_circuit_state', `state IN ('CLOSED', 'OPEN', 'HALF_OPEN')`)
export class DispatchCircuitEntity {
  @PrimaryColumn({ name: 'dispatch_target', type: 'varchar', length: 30 })
  dispatchTarget: string;

  @Column({ type: 'varchar', length: 20 })
  state: CircuitState;

  @Column({ name: 'consecutive_failures', type: 'int', default: 0 })
  consecutiveFailures: number;

  @Column({ name: 'opened_at', type: 'timestamptz', nullable: true })
  openedAt: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  updatedAt: Date;
}
