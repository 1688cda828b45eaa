import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '@app/config';
import {
  INGEST_POLICY_CHANNEL,
  IngestPolicyRecord,
  IngestPolicyRepository,
  IngestPolicyValues,
  NotificationListener,
} from '@app/entities';
import { IngestConfig } from '../ingest-api.config';
import { differingSettings, IngestPolicySnapshot, policySnapshots, PolicySnapshots } from './policy-snapshot';

export type { IngestPolicySnapshot } from './policy-snapshot';

/** Who wrote the policy when ingest-api seeded it. */
export const SEEDED_BY_ENVIRONMENT = 'environment';

/**
 * The live ingest policy of this replica: an in-memory snapshot of `ingest_policy`, read synchronously on every
 * request. Seeded from the environment on the first start of any replica; after that the table wins and the
 * environment is only compared (a warning names the settings that differ). A change is applied on its NOTIFY, and
 * by a reload every INGEST_POLICY_RELOAD_INTERVAL in case a notification was lost; a temporary override ends at its
 * `until` on every replica by the clock, without waiting for anything.
 */
@Injectable()
export class LiveIngestPolicy implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(LiveIngestPolicy.name);
  private readonly listener: NotificationListener;
  private snapshots: PolicySnapshots | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reloading = false;
  private reloadAgain = false;
  private reloadFailing = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly policies: IngestPolicyRepository,
  ) {
    this.listener = new NotificationListener({
      url: config.DATABASE_URL,
      channel: INGEST_POLICY_CHANNEL,
      applicationName: 'ingest-api-policy-listen',
      onNotification: () => this.reload(),
    });
  }

  /** The policy in force now: the override's limits until it expires, then the base ones. */
  current(): IngestPolicySnapshot {
    const snapshots = this.snapshots;
    if (snapshots === null) {
      throw new Error('the ingest policy is read before it was loaded');
    }
    return snapshots.overridden !== null && Date.now() < snapshots.overrideUntilMs
      ? snapshots.overridden
      : snapshots.base;
  }

  async onModuleInit(): Promise<void> {
    const environment = this.environmentValues();
    const seeded = await this.policies.seed(this.dataSource, environment, SEEDED_BY_ENVIRONMENT);
    const record = await this.policies.read(this.dataSource);
    if (record === null) {
      throw new Error('ingest_policy has no row after seeding it');
    }
    this.apply(record);
    if (seeded) {
      this.logger.log({ msg: 'ingest policy seeded from the environment', version: record.version });
    } else {
      const differing = differingSettings(environment, record);
      if (differing.length > 0) {
        this.logger.warn({
          msg: 'environment differs from the stored ingest policy; the stored policy applies',
          settings: differing,
          change: 'PUT /api/v1/admin/user-activity/ingest-policy',
        });
      }
    }
    await this.listener.start();
    this.timer = setInterval(() => this.reload(), this.config.INGEST_POLICY_RELOAD_INTERVAL);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) {
      clearInterval(this.timer);
    }
    await this.listener.stop();
  }

  /** Reads the row again; a reload asked for while one runs is done after it, so no notification is lost. */
  private reload(): void {
    if (this.reloading) {
      this.reloadAgain = true;
      return;
    }
    this.reloading = true;
    void this.load().finally(() => {
      this.reloading = false;
      if (this.reloadAgain) {
        this.reloadAgain = false;
        this.reload();
      }
    });
  }

  private async load(): Promise<void> {
    try {
      const record = await this.policies.read(this.dataSource);
      if (this.reloadFailing) {
        this.reloadFailing = false;
        this.logger.log({ msg: 'ingest policy reloads again' });
      }
      if (record !== null && record.version !== this.snapshots?.version) {
        this.apply(record);
        this.logger.log({ msg: 'ingest policy applied', version: record.version, updatedBy: record.updatedBy });
      }
    } catch (error) {
      if (!this.reloadFailing) {
        this.reloadFailing = true;
        this.logger.warn({
          msg: 'ingest policy reload failed; the last one loaded applies',
          error: (error as Error).message,
        });
      }
    }
  }

  private apply(record: IngestPolicyRecord): void {
    this.snapshots = policySnapshots(record);
  }

  private environmentValues(): IngestPolicyValues {
    return {
      allowlist: [...new Set(this.config.ANALYTICS_INGEST_ALLOWLIST)],
      rateLimit: {
        maxRequests: this.config.ANALYTICS_INGEST_RATE_LIMIT_MAX_REQUESTS,
        windowMs: this.config.ANALYTICS_INGEST_RATE_LIMIT_WINDOW,
      },
      ipRateLimit: {
        maxRequests: this.config.ANALYTICS_INGEST_IP_RATE_LIMIT_MAX_REQUESTS,
        windowMs: this.config.ANALYTICS_INGEST_IP_RATE_LIMIT_WINDOW,
      },
    };
  }
}
