import { Injectable } from '@nestjs/common';
import { CanonicalEvent, SourceOutboxRepository } from '@app/entities';

interface PendingWrite {
  events: CanonicalEvent[];
  payloads: string[];
  resolve(inserted: number): void;
  reject(error: unknown): void;
}

/** Statements in flight at once; requests arriving meanwhile wait and share the next statement. */
const MAX_CONCURRENT_STATEMENTS = 4;
const MAX_EVENTS_PER_STATEMENT = 1_000;

/**
 * Group commit for the source outbox: requests that arrive while statements are in flight are written together
 * in one statement (one transaction, one commit), and each is answered only after that commit. A request's events
 * stay all-or-nothing. If a shared statement fails, each request is retried alone so one bad request cannot fail
 * the others. Under light load every request gets its own statement at once.
 */
@Injectable()
export class OutboxWriter {
  private readonly queue: PendingWrite[] = [];
  private inFlight = 0;

  constructor(private readonly outbox: SourceOutboxRepository) {}

  /** Resolves with how many of `events` were new (the rest were known event ids) once they are committed. */
  write(events: CanonicalEvent[], payloads: string[]): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ events, payloads, resolve, reject });
      this.drain();
    });
  }

  private drain(): void {
    while (this.inFlight < MAX_CONCURRENT_STATEMENTS && this.queue.length > 0) {
      const group = this.takeGroup();
      this.inFlight += 1;
      void this.commit(group).finally(() => {
        this.inFlight -= 1;
        this.drain();
      });
    }
  }

  private takeGroup(): PendingWrite[] {
    const group: PendingWrite[] = [this.queue.shift()!];
    let size = group[0].events.length;
    while (this.queue.length > 0 && size + this.queue[0].events.length <= MAX_EVENTS_PER_STATEMENT) {
      const next = this.queue.shift()!;
      size += next.events.length;
      group.push(next);
    }
    return group;
  }

  private async commit(group: PendingWrite[]): Promise<void> {
    try {
      const inserted = new Set(
        await this.outbox.insertEvents(
          group.flatMap((write) => write.events),
          group.flatMap((write) => write.payloads),
        ),
      );
      for (const write of group) {
        // An id inserted by this statement counts once, for the first request that carried it.
        const fresh = write.events.filter((event) => inserted.delete(event.eventId)).length;
        write.resolve(fresh);
      }
    } catch (error) {
      if (group.length === 1) {
        group[0].reject(error);
        return;
      }
      await Promise.all(group.map((write) => this.commit([write])));
    }
  }
}
