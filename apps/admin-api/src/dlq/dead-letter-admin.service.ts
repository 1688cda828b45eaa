import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AdminAuditAction, AdminAuditRepository, MqTrace, MqTraceRepository, TraceStage } from '@app/entities';
import { ApiError } from '@app/http';
import {
  BrokerUnavailableError,
  DeadLetterQueue,
  DeadLetterRedrive,
  DeadLetterView,
  EVENT_STORE_QUEUE,
  MQ_PROVIDER_RABBITMQ,
  RabbitConnection,
  USER_ACTIVITY_EXCHANGE,
} from '@app/messaging';
import { LogSignals, signalLog } from '@app/observability';
import { clampLimit } from '../http/limit-param';
import { DeadLetterListDto, DeadLetterRedriveResultDto, DLQ_LIST_LIMIT, DLQ_REDRIVE_LIMIT } from './dead-letter.dto';

function unavailable(reason: string): ApiError {
  return new ApiError(
    503,
    'ADMIN_DLQ_UNAVAILABLE',
    `메시지큐에 연결할 수 없어 dead-letter queue를 다룰 수 없습니다: ${reason}`,
  );
}

function redriveTrace(message: DeadLetterView & { messageId: string }, movedAt: string): MqTrace {
  return {
    // Stamped before the move: the consumer may store the copy before this transaction commits.
    createdAt: movedAt,
    messageId: message.messageId,
    topic: USER_ACTIVITY_EXCHANGE,
    provider: MQ_PROVIDER_RABBITMQ,
    messageKey: message.eventName,
    // The queue it was moved to; the relay's PUBLISH has none.
    consumerGroup: EVENT_STORE_QUEUE,
    stage: TraceStage.Publish,
    processingMillis: null,
    errorMessage: null,
  };
}

/** Runbook §2 "consume fail 증가" → 재처리: the dead-letter queue listed and re-driven (DESIGN §9). */
@Injectable()
export class DeadLetterAdminService {
  private readonly logger = new Logger(DeadLetterAdminService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly deadLetters: DeadLetterQueue,
    private readonly connection: RabbitConnection,
    private readonly traces: MqTraceRepository,
    private readonly audit: AdminAuditRepository,
  ) {}

  async list(tokenName: string, requestedLimit: number | undefined): Promise<DeadLetterListDto> {
    const limit = clampLimit(requestedLimit, DLQ_LIST_LIMIT);
    this.requireBroker(tokenName, 'list');
    const { depth, messages } = await this.onBroker(() => this.deadLetters.peek(limit));
    const causes = await this.traces.deadLetterCauses(
      messages.map((message) => message.messageId).filter((id): id is string => id !== null),
    );
    return {
      limit,
      depth,
      messages: messages.map((message) => ({
        ...message,
        error: message.messageId === null ? null : (causes.get(message.messageId) ?? null),
      })),
    };
  }

  /**
   * Moves dead letters back to the event-store queue. The PUBLISH traces of the moved messages and the audit row
   * commit together after the move; the store is idempotent, so repeating a re-drive, or moving a message twice,
   * stores nothing twice.
   */
  async redrive(tokenName: string, requestedLimit: number | undefined): Promise<DeadLetterRedriveResultDto> {
    const limit = clampLimit(requestedLimit, DLQ_REDRIVE_LIMIT);
    this.requireBroker(tokenName, 'redrive');
    const result = await this.dataSource.transaction(async (tx) => {
      const movedAt = await this.traces.lockRedrive(tx);
      const outcome = await this.onBroker(() => this.deadLetters.redrive(limit));
      await this.traces.write(
        tx,
        outcome.moved
          .filter((message): message is DeadLetterView & { messageId: string } => message.messageId !== null)
          .map((message) => redriveTrace(message, movedAt)),
      );
      const answer = this.answer(limit, outcome);
      await this.audit.record(tx, {
        tokenName,
        action: AdminAuditAction.DeadLetterRedrive,
        parameters: { limit, requestedLimit: requestedLimit ?? null },
        result: { ...answer, failedMessageId: outcome.failed?.message?.messageId ?? null },
      });
      return answer;
    });
    this.logger.log({
      msg: 'dead-letter re-drive finished',
      tokenName,
      limit,
      depth: result.depth,
      movedCount: result.movedCount,
      failedCount: result.failedCount,
    });
    return result;
  }

  private answer(limit: number, outcome: DeadLetterRedrive): DeadLetterRedriveResultDto {
    return {
      limit,
      depth: outcome.depth,
      movedCount: outcome.moved.length,
      failedCount: outcome.failed === null ? 0 : 1,
      error: outcome.failed?.error ?? null,
      movedMessageIds: outcome.moved.map((message) => message.messageId),
    };
  }

  private requireBroker(tokenName: string, action: string): void {
    if (!this.connection.enabled) {
      this.logger.warn(signalLog(LogSignals.mqProviderNone, { action: `dlq ${action}`, tokenName }));
      throw unavailable('MQ_PROVIDER=none');
    }
  }

  private async onBroker<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof BrokerUnavailableError) {
        throw unavailable('RabbitMQ is not connected');
      }
      throw unavailable((error as Error).message);
    }
  }
}
