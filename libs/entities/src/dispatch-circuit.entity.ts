import { Column, Entity, PrimaryColumn } from 'typeorm';
import { CircuitState } from '@app/state-machines';

/** The last breaker transition seen by any dispatcher replica, so admin-api can show it. */
@Entity('user_activity_dispatch_circuit')
export class DispatchCircuitEntity {
  @PrimaryColumn({ name: 'dispatch_target', type: 'varchar', length: 30 })
  dispatchTarget: string;

  @Column({ type: 'varchar', length: 20 })
  state: CircuitState;

  @Column({ name: 'consecutive_failures', type: 'int', default: 0 })
  consecutiveFailures: number;

  @Column({ name: 'opened_at', type: 'timestamptz', nullable: true })
  openedAt: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
