import { runApp } from '@app/http';
import { OutboxRelayModule } from './outbox-relay.module';
import { outboxRelayOptions } from './outbox-relay.options';

void runApp(OutboxRelayModule, outboxRelayOptions);
