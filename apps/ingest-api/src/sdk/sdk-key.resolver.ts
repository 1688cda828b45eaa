import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG } from '@app/config';
import { secretsEqual } from '@app/http';
import { IngestConfig } from '../ingest-api.config';
import { SdkKey } from './sdk-keys';

/** Finds the `ANALYTICS_INGEST_SDK_KEYS` entry of a key an SDK sent. */
@Injectable()
export class SdkKeyResolver implements OnApplicationBootstrap {
  private readonly logger = new Logger(SdkKeyResolver.name);
  private readonly keys: readonly SdkKey[];

  constructor(@Inject(APP_CONFIG) config: IngestConfig) {
    this.keys = config.ANALYTICS_INGEST_SDK_KEYS;
  }

  onApplicationBootstrap(): void {
    if (this.keys.length === 0) {
      this.logger.warn({
        msg: 'ANALYTICS_INGEST_SDK_KEYS is empty: the SDK routes (PostHog, Segment) answer 401 to every request',
      });
      return;
    }
    this.logger.log({
      msg: 'SDK keys loaded',
      keys: this.keys.map(({ name, source }) => ({ name, source })),
    });
  }

  /** Compares with every key in constant time (no early exit), so timing tells nothing of which key nearly matched. */
  resolve(given: string | null): SdkKey | null {
    if (given === null) {
      return null;
    }
    let found: SdkKey | null = null;
    for (const entry of this.keys) {
      if (secretsEqual(given, entry.key) && found === null) {
        found = entry;
      }
    }
    return found;
  }
}
