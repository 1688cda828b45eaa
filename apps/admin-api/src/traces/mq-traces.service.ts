import { Injectable } from '@nestjs/common';
import { MqTraceRepository } from '@app/entities';
import { clampLimit } from '../http/limit-param';
import { MqTraceDto, TRACES_LIMIT } from './mq-traces.dto';

/** Runbook §5-3: MQ traces, newest first. */
@Injectable()
export class MqTracesService {
  constructor(private readonly traces: MqTraceRepository) {}

  async newest(messageId: string | undefined, requestedLimit: number | undefined): Promise<MqTraceDto[]> {
    return this.traces.newest(messageId ?? null, clampLimit(requestedLimit, TRACES_LIMIT));
  }
}
