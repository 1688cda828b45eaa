import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '@app/config';
import { CanonicalEvent, SourceOutboxRepository } from '@app/entities';
import { IngestConfig } from '../ingest-api.config';

/** The writer already holds INGEST_MAX_PENDING_BYTES of payloads waiting for their commit. */
export class OutboxBackloggedError extends Error {
  constructor(pendingBytes: number) {
    super(`source outbox writer full: ${pendingBytes} bytes of payloads already wait for their commit`);
    this.name = OutboxBackloggedError.name;
  }
}

/** The commit did not happen within INGEST_COMMIT_TIMEOUT; nothing of the request is or will be stored. */
export class CommitTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`source outbox commit not done within ${timeoutMs} ms`);
    this.name = CommitTimeoutError.name;
  }
}

interface PendingWrite {
  events: CanonicalEvent[];
  payloads: string[];
  bytes: number;
  /** Epoch ms by which the request is answered, committed or not. */
  deadline: number;
  /** Set after its shared statement failed: it gets a statement of its own. */
  alone: boolean;
  queued: boolean;
  answered: boolean;
  timer?: NodeJS.Timeout;
  resolve(inserted: number): void;
  reject(error: unknown): void;
}

/** Statements in flight at once; requests arriving meanwhile wait and share the next statement. */
const MAX_CONCURRENT_STATEMENTS = 4;
const MAX_EVENTS_PER_STATEMENT = 1_000;

/**
 * Group commit for the source outbox: requests that arrive while statements are in flight are written together
 * in one statement (one transaction, one commit), and each is answered only after that commit. A request's events
 * stay all-or-nothing. If a shared statement fails, each request is retried alone, through the same queue and
 * within the same number of statements in flight, so one bad request cannot fail the others. Under light load every
 * request gets its own statement at once.
 *
 * When PostgreSQL stops answering, memory and waiting stay bounded: payloads waiting for a commit are capped at
 * INGEST_MAX_PENDING_BYTES (past it a request fails at once), and every request is answered within
 * INGEST_COMMIT_TIMEOUT. A statement carries the earliest deadline of its requests and cannot commit after it
 * (see SourceOutboxRepository.insertEvents), so a request answered as failed is never stored later.
 */
@Injectable()
export class OutboxWriter {
  private readonly logger = new Logger(OutboxWriter.name);
  private readonly queue: PendingWrite[] = [];
  private readonly timeoutMs: number;
  private readonly maxPendingBytes: number;
  private inFlight = 0;
  private pendingBytes = 0;

  constructor(
    private readonly outbox: SourceOutboxRepository,
    @Inject(APP_CONFIG) config: IngestConfig,
  ) {
    this.timeoutMs = config.INGEST_COMMIT_TIMEOUT;
    this.maxPendingBytes = config.INGEST_MAX_PENDING_BYTES;
  }

  /**
   * Resolves with how many of `events` were new (the rest were known event ids) once they are committed; rejects
   * with OutboxBackloggedError at once, or CommitTimeoutError at the deadline, or the statement's error.
   */
  write(events: CanonicalEvent[], payloads: string[]): Promise<number> {
    const bytes = payloads.reduce((sum, payload) => sum + Buffer.byteLength(payload), 0);
    if (this.pendingBytes + bytes > this.maxPendingBytes) {
      return Promise.reject(new OutboxBackloggedError(this.pendingBytes));
    }
    return new Promise((resolve, reject) => {
      const write: PendingWrite = {
        events,
        payloads,
        bytes,
        deadline: Date.now() + this.timeoutMs,
        alone: false,
        queued: true,
        answered: false,
        resolve,
        reject,
      };
      write.timer = setTimeout(() => this.fail(write, this.timeout()), this.timeoutMs);
      this.pendingBytes += bytes;
      this.queue.push(write);
      this.drain();
    });
  }

  private timeout(): CommitTimeoutError {
    return new CommitTimeoutError(this.timeoutMs);
  }

  private succeed(write: PendingWrite, inserted: number): void {
    if (this.settle(write)) {
      write.resolve(inserted);
    }
  }

  private fail(write: PendingWrite, error: unknown): void {
    if (this.settle(write)) {
      write.reject(error);
    }
  }

  /** Takes an unanswered request out of the writer; false when it was answered already. */
  private settle(write: PendingWrite): boolean {
    if (write.answered) {
      return false;
    }
    write.answered = true;
    clearTimeout(write.timer);
    this.pendingBytes -= write.bytes;
    if (write.queued) {
      // Requests time out in arrival order, so this one is at or near the front.
      this.queue.splice(this.queue.indexOf(write), 1);
      write.queued = false;
    }
    return true;
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
    while (
      !group[0].alone &&
      this.queue.length > 0 &&
      !this.queue[0].alone &&
      size + this.queue[0].events.length <= MAX_EVENTS_PER_STATEMENT
    ) {
      const next = this.queue.shift()!;
      size += next.events.length;
      group.push(next);
    }
    for (const write of group) {
      write.queued = false;
    }
    return group;
  }

  private async commit(group: PendingWrite[]): Promise<void> {
    const deadline = Math.min(...group.map((write) => write.deadline));
    const abandon = new AbortController();
    const timer = setTimeout(() => abandon.abort(), deadline - Date.now());
    try {
      const inserted = new Set(
        await this.outbox.insertEvents(
          group.flatMap((write) => write.events),
          group.flatMap((write) => write.payloads),
          new Date(deadline),
          abandon.signal,
        ),
      );
      for (const write of group) {
        // An id inserted by this statement counts once, for the first request that carried it.
        const fresh = write.events.filter((event) => inserted.delete(event.eventId)).length;
        if (write.answered && fresh > 0) {
          // Committed before the deadline on PostgreSQL's clock, answered after it here: the client retries.
          this.logger.warn({ msg: 'source outbox commit arrived after its request timed out', events: fresh });
        }
        this.succeed(write, fresh);
      }
    } catch (error) {
      if (abandon.signal.aborted) {
        const now = Date.now();
        group.filter((write) => write.deadline <= now).forEach((write) => this.fail(write, this.timeout()));
      }
      const waiting = group.filter((write) => !write.answered);
      if (group.length === 1) {
        waiting.forEach((write) => this.fail(write, error));
        return;
      }
      for (const write of waiting.reverse()) {
        write.alone = true;
        write.queued = true;
        this.queue.unshift(write);
      }
    } finally {
      clearTimeout(timer);
    }
  }
}
