import { randomBytes } from 'node:crypto';

export const CLIENT_EVENTS_PATH = '/api/v1/analytics/events';

const EVENT_NAMES = [
  'ui.page.viewed',
  'ui.restaurant.clicked',
  'ui.restaurant.viewed',
  'ui.search.executed',
  'ui.tab.changed',
  'ui.favorite.updated',
];

/**
 * Anonymous visitors the requests are spread over. The default rate limit (120 requests per minute per visitor)
 * stays on: this many visitors allow far more than any rate the benchmark offers.
 */
const VISITORS = 20_000;

export interface IngestRequestBody {
  body: string;
  anonymousId: string;
}

/**
 * Bodies of `POST /api/v1/analytics/events` as a web client sends them: `eventsPerRequest` events with fresh event
 * ids (`<prefix>-<request>-<index>`, so a phase's events can be found in the tables by prefix), each request from
 * the next anonymous visitor.
 */
export class EventBodies {
  readonly prefix: string;
  private sequence = 0;

  constructor(
    phase: string,
    readonly eventsPerRequest: number,
  ) {
    this.prefix = `${phase}-${randomBytes(3).toString('hex')}`;
  }

  next(): IngestRequestBody {
    const request = this.sequence++;
    const occurredAt = new Date().toISOString();
    const events: string[] = [];
    for (let index = 0; index < this.eventsPerRequest; index++) {
      const name = EVENT_NAMES[(request + index) % EVENT_NAMES.length];
      events.push(
        `{"eventId":"${this.prefix}-${request}-${index}","eventName":"${name}","occurredAt":"${occurredAt}",` +
          `"properties":{"path":"/restaurants/${(request * 31 + index) % 5_000}","referrer":"search",` +
          `"position":${index},"experiment":"list-v2"}}`,
      );
    }
    return { body: `{"events":[${events.join(',')}]}`, anonymousId: `visitor-${request % VISITORS}` };
  }

  /** LIKE pattern matching the event ids of this phase. */
  get likePattern(): string {
    return `${this.prefix}-%`;
  }
}
