import { canonicalEvent } from '@app/testing';
import { lastValueFrom } from 'rxjs';
import { ConfirmedPublisher, UnroutableMessageError } from '../src/confirmed.publisher';
import { EVENT_STORE_QUEUE, USER_ACTIVITY_EXCHANGE } from '../src/topology';
import { OBSERVER_QUEUE, PublisherFixture, startPublisher } from './publisher.fixture';

const ROUTED_NAME = 'ui.routed';

describe('ConfirmedPublisher.emit, one event through Nest’s client API', () => {
  let fixture: PublisherFixture;
  let inspector: PublisherFixture['inspector'];
  let publisher: ConfirmedPublisher;

  beforeAll(async () => {
    fixture = await startPublisher('confirmed_emit', (channel) =>
      channel.bindQueue(OBSERVER_QUEUE, USER_ACTIVITY_EXCHANGE, ROUTED_NAME),
    );
    ({ inspector, publisher } = fixture);
    // The topology asserted at connect binds the event-store queue to every routing key.
    await inspector.channel.unbindQueue(EVENT_STORE_QUEUE, USER_ACTIVITY_EXCHANGE, '#');
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it('completes once the broker confirmed a routed event, which arrives persistent', async () => {
    const event = canonicalEvent({ eventName: ROUTED_NAME });

    await lastValueFrom(publisher.emit(event.eventName, event), { defaultValue: undefined });

    const message = await inspector.channel.get(OBSERVER_QUEUE, { noAck: true });
    expect(message && { id: message.properties.messageId as string, mode: message.properties.deliveryMode }).toEqual({
      id: event.eventId,
      mode: 2,
    });
  });

  it('errors when the broker returns the event as unroutable, although it acks it', async () => {
    const event = canonicalEvent({ eventName: 'ui.nobody.listens' });

    await expect(lastValueFrom(publisher.emit(event.eventName, event))).rejects.toThrow(
      new UnroutableMessageError('ui.nobody.listens'),
    );
  });

  it('refuses a pattern other than the event name, which is the routing key, and publishes nothing', async () => {
    const event = canonicalEvent({ eventName: ROUTED_NAME });

    await expect(lastValueFrom(publisher.emit('ui.other.name', event))).rejects.toThrow('the pattern must be');
    expect(await inspector.channel.get(OBSERVER_QUEUE, { noAck: true })).toBe(false);
  });
});
