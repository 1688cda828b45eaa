import { randomUUID } from 'node:crypto';
import { CanonicalEvent, EventSource } from '@app/entities';

export interface ClientEventInput {
  eventId: string;
  eventName: string;
  eventVersion?: string;
  occurredAt?: string;
  properties?: Record<string, unknown>;
}

export function clientEventInput(overrides: Partial<ClientEventInput> = {}): ClientEventInput {
  return {
    eventId: randomUUID(),
    eventName: 'ui.page.viewed',
    occurredAt: new Date().toISOString(),
    properties: { path: '/restaurants/42', referrer: 'search' },
    ...overrides,
  };
}

export function clientEventInputs(count: number, overrides: Partial<ClientEventInput> = {}): ClientEventInput[] {
  return Array.from({ length: count }, () => clientEventInput(overrides));
}

export function canonicalEvent(overrides: Partial<CanonicalEvent> = {}): CanonicalEvent {
  const now = new Date().toISOString();
  return {
    eventId: randomUUID(),
    eventName: 'ui.page.viewed',
    eventVersion: 'v1',
    occurredAt: now,
    memberId: null,
    anonymousId: `anon-${randomUUID()}`,
    source: EventSource.Client,
    properties: { path: '/home' },
    receivedAt: now,
    ...overrides,
  };
}
