import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('admin_audit_log')
export class AdminAuditLogEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'token_name', type: 'varchar', length: 100 })
  tokenName: string;

  @Column({ type: 'varchar', length: 100 })
  action: string;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  parameters: Record<string, unknown>;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  result: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  createdAt: Date;
}
