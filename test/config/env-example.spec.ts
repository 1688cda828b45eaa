import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@app/config';
import { adminSchema } from '../../apps/admin-api/src/admin-api.config';
import { dispatcherSchema } from '../../apps/dispatcher/src/dispatcher.config';
import { eventStoreSchema } from '../../apps/event-store-consumer/src/event-store-consumer.config';
import { ingestSchema } from '../../apps/ingest-api/src/ingest-api.config';
import { relaySchema } from '../../apps/outbox-relay/src/outbox-relay.config';

const example = readFileSync(join(__dirname, '../../.env.example'), 'utf8');
const documented = new Set(
  example
    .split('\n')
    .map((line) => /^#?\s*([A-Z][A-Z0-9_]+)=/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined),
);
const values = Object.fromEntries(
  example
    .split('\n')
    .map((line) => /^([A-Z][A-Z0-9_]+)=(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => [match[1], match[2]]),
);

describe('.env.example', () => {
  it.each([
    ['ingest-api', ingestSchema],
    ['outbox-relay', relaySchema],
    ['event-store-consumer', eventStoreSchema],
    ['dispatcher', dispatcherSchema],
    ['admin-api', adminSchema],
  ])('lists every variable %s reads, and its values validate', (_app, schema) => {
    for (const name of Object.keys(schema.shape)) {
      expect({ name, documented: documented.has(name) }).toEqual({ name, documented: true });
    }
    expect(() => loadConfig(schema, values)).not.toThrow();
  });
});
