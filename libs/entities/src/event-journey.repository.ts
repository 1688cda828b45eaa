import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DispatchOutboxStatus, SourceOutboxStatus } from '@app/state-machines';
import { EventSource } from './user-activity-event.entity';

/** The `user_activity_source_outbox` row of one event. */
export interface JourneyOutboxRow {
  id: number;
  eventName: string;
  status: SourceOutboxStatus;
  retryCount: number;
  nextRetryAt: string | null;
  lastError: string | null;
  publishedAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** The canonical event as it was published (or will be). */
  payload: unknown;
}

/** The `user_activity_event` row of one event. */
export interface JourneyStoredRow {
  id: number;
  eventName: string;
  eventVersion: string;
  occurredAt: string;
  receivedAt: string;
  memberId: number | null;
  anonymousId: string | null;
  source: EventSource;
  properties: Record<string, unknown>;
  /** When the event store inserted it (`created_at`). */
  storedAt: string;
}

/** One `user_activity_dispatch_outbox` row of one event (one per target). */
export interface JourneyDispatchRow {
  id: number;
  target: string;
  status: DispatchOutboxStatus;
  retryCount: number;
  nextRetryAt: string | null;
  lastError: string | null;
  dispatchedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

type Raw<T> = { [K in keyof T]: unknown };

function iso(value: unknown): string | null {
  return value instanceof Date ? value.toISOString() : null;
}

function isoRequired(value: unknown): string {
  return (value as Date).toISOString();
}

function int(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** Looks one event up by id in each table of the pipeline, through each table's unique or leading index. */
@Injectable()
export class EventJourneyRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async outboxRow(eventId: string): Promise<JourneyOutboxRow | null> {
    const rows = await this.dataSource.query<Raw<JourneyOutboxRow>[]>(
      `SELECT id, event_name AS "eventName", status, retry_count AS "retryCount", next_retry_at AS "nextRetryAt",
              last_error AS "lastError", published_at AS "publishedAt", created_at AS "createdAt",
              updated_at AS "updatedAt", payload
       FROM user_activity_source_outbox WHERE event_id = $1`,
      [eventId],
    );
    const [row] = rows;
    if (row === undefined) {
      return null;
    }
    return {
      id: Number(row.id),
      eventName: row.eventName as string,
      status: row.status as SourceOutboxStatus,
      retryCount: row.retryCount as number,
      nextRetryAt: iso(row.nextRetryAt),
      lastError: row.lastError as string | null,
      publishedAt: iso(row.publishedAt),
      createdAt: isoRequired(row.createdAt),
      updatedAt: isoRequired(row.updatedAt),
      payload: row.payload,
    };
  }

  async storedRow(eventId: string): Promise<JourneyStoredRow | null> {
    const rows = await this.dataSource.query<Raw<JourneyStoredRow>[]>(
      `SELECT id, event_name AS "eventName", event_version AS "eventVersion", occurred_at AS "occurredAt",
              received_at AS "receivedAt", member_id AS "memberId", anonymous_id AS "anonymousId", source,
              properties, created_at AS "storedAt"
       FROM user_activity_event WHERE event_id = $1`,
      [eventId],
    );
    const [row] = rows;
    if (row === undefined) {
      return null;
    }
    return {
      id: Number(row.id),
      eventName: row.eventName as string,
      eventVersion: row.eventVersion as string,
      occurredAt: isoRequired(row.occurredAt),
      receivedAt: isoRequired(row.receivedAt),
      memberId: int(row.memberId),
      anonymousId: row.anonymousId as string | null,
      source: row.source as EventSource,
      properties: row.properties as Record<string, unknown>,
      storedAt: isoRequired(row.storedAt),
    };
  }

  async dispatchRows(eventId: string): Promise<JourneyDispatchRow[]> {
    const rows = await this.dataSource.query<Raw<JourneyDispatchRow>[]>(
      `SELECT id, dispatch_target AS target, status, retry_count AS "retryCount", next_retry_at AS "nextRetryAt",
              last_error AS "lastError", dispatched_at AS "dispatchedAt", created_at AS "createdAt",
              updated_at AS "updatedAt"
       FROM user_activity_dispatch_outbox WHERE event_id = $1 ORDER BY id`,
      [eventId],
    );
    return rows.map((row) => ({
      id: Number(row.id),
      target: row.target as string,
      status: row.status as DispatchOutboxStatus,
      retryCount: row.retryCount as number,
      nextRetryAt: iso(row.nextRetryAt),
      lastError: row.lastError as string | null,
      dispatchedAt: iso(row.dispatchedAt),
      createdAt: isoRequired(row.createdAt),
      updatedAt: isoRequired(row.updatedAt),
    }));
  }
}
