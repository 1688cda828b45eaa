import { AppOptions } from '@app/http';
import { OUTBOX_RELAY } from './outbox-relay.module';

export const outboxRelayOptions: AppOptions = { name: OUTBOX_RELAY };
