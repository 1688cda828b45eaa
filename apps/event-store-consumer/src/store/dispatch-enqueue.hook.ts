import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, posthogDispatchEnabled } from '@app/config';
import {
  CanonicalEvent,
  DispatchEnqueueCount,
  DispatchOutboxEnqueueRepository,
  DispatchTargetName,
  SqlExecutor,
} from '@app/entities';
import { EventStoreConfig } from '../event-store-consumer.config';
import { StoreHookError } from './store.errors';

/** The dispatch targets with a row per stored event: POSTHOG only when it is enabled and has an API key. */
export function enabledDispatchTargets(config: EventStoreConfig): string[] {
  return posthogDispatchEnabled(config) ? [DispatchTargetName.Posthog] : [];
}

/** The after-store hook: runs inside the store's transaction, for newly stored events only. */
@Injectable()
export class DispatchEnqueueHook {
  readonly targets: string[];

  constructor(
    @Inject(APP_CONFIG) config: EventStoreConfig,
    private readonly dispatchOutbox: DispatchOutboxEnqueueRepository,
  ) {
    this.targets = enabledDispatchTargets(config);
  }

  async afterStore(tx: SqlExecutor, stored: CanonicalEvent[]): Promise<DispatchEnqueueCount[]> {
    try {
      return await this.dispatchOutbox.enqueue(tx, stored, this.targets);
    } catch (error) {
      throw new StoreHookError(error);
    }
  }
}
