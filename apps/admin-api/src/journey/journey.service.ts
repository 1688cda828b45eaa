import { Injectable } from '@nestjs/common';
import { EventJourneyRepository, MqTraceRepository } from '@app/entities';
import { ApiError } from '@app/http';
import { journeyTimeline } from './journey-timeline';
import { EventJourneyDto, JOURNEY_MAX_TRACES } from './journey.dto';

/** Where is my event? Its outbox row, traces, stored row and dispatch rows, and all of them in time order. */
@Injectable()
export class JourneyService {
  constructor(
    private readonly journeys: EventJourneyRepository,
    private readonly traces: MqTraceRepository,
  ) {}

  async journey(eventId: string): Promise<EventJourneyDto> {
    const [outbox, newestTraces, stored, dispatches] = await Promise.all([
      this.journeys.outboxRow(eventId),
      this.traces.newest(eventId, JOURNEY_MAX_TRACES + 1),
      this.journeys.storedRow(eventId),
      this.journeys.dispatchRows(eventId),
    ]);
    if (outbox === null && newestTraces.length === 0 && stored === null && dispatches.length === 0) {
      throw new ApiError(404, 'NOT_FOUND', '이벤트를 찾을 수 없습니다.');
    }
    const traces = newestTraces.slice(0, JOURNEY_MAX_TRACES).reverse();
    return {
      eventId,
      outbox,
      traces,
      tracesTruncated: newestTraces.length > JOURNEY_MAX_TRACES,
      stored,
      dispatches,
      timeline: journeyTimeline({ outbox, traces, stored, dispatches }),
    };
  }
}
