import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsNotEmpty, IsOptional, IsString, MaxLength, ValidateBy } from 'class-validator';
import { parseIsoDuration } from '@app/config';
import { parseInstant } from '../http/iso-instant';
import { DiagnosisStage } from './failure-matrix';

export interface DurationBounds {
  fallback: string;
  min: string;
  max: string;
}

/** The diagnosis looks back at most as far as the MQ traces are kept by default (MQ_TRACE_RETENTION, P7D). */
export const DIAGNOSIS_SINCE: DurationBounds = { fallback: 'PT15M', min: 'PT1S', max: 'P7D' };
/** The recovery check also reads as long again before the window (the level to recover to), so half as far. */
export const RECOVERY_SINCE: DurationBounds = { fallback: 'PT30M', min: 'PT1M', max: 'P3D' };
/** The longest incident window a report covers. */
export const INCIDENT_MAX_WINDOW = 'P7D';

const blankIsMissing = Transform(({ value }: { value: unknown }) => (value === '' ? undefined : value));

function isoDurationWithin(bounds: DurationBounds): PropertyDecorator {
  const [min, max] = [parseIsoDuration(bounds.min) ?? 0, parseIsoDuration(bounds.max) ?? 0];
  return ValidateBy({
    name: 'isoDurationWithin',
    validator: {
      validate: (value: unknown) => {
        const ms = typeof value === 'string' ? parseIsoDuration(value) : null;
        return ms !== null && ms >= min && ms <= max;
      },
      defaultMessage: () =>
        `$property must be an ISO-8601 duration from ${bounds.min} to ${bounds.max} (e.g. ${bounds.fallback})`,
    },
  });
}

function SinceParam(bounds: DurationBounds): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      description: `ISO-8601 duration from ${bounds.min} to ${bounds.max}: the window ends now and starts this long ago`,
      default: bounds.fallback,
      example: bounds.fallback,
    }),
    blankIsMissing,
    IsOptional(),
    IsString(),
    isoDurationWithin(bounds),
  );
}

export class DiagnosisQueryDto {
  @SinceParam(DIAGNOSIS_SINCE)
  since?: string;

  @ApiPropertyOptional({ maxLength: 64, description: 'Diagnose one event from its journey instead of a window' })
  @blankIsMissing
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  eventId?: string;
}

export class RecoveryCheckQueryDto {
  @SinceParam(RECOVERY_SINCE)
  since?: string;
}

/** An ISO-8601 instant with its time zone (`Z` or an offset): a local time would mean a different window per server. */
const IsInstant = ValidateBy({
  name: 'isInstant',
  validator: {
    validate: (value: unknown) => typeof value === 'string' && parseInstant(value) !== null,
    defaultMessage: () => '$property must be an ISO-8601 instant with a time zone (e.g. 2026-02-20T10:00:00Z)',
  },
});

export class IncidentReportQueryDto {
  @ApiProperty({ format: 'date-time', example: '2026-02-20T10:00:00Z', description: 'Start of the incident' })
  @IsString()
  @IsInstant
  from: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: `End of the incident (default now); after from, at most ${INCIDENT_MAX_WINDOW} after it`,
  })
  @blankIsMissing
  @IsOptional()
  @IsString()
  @IsInstant
  to?: string;
}

export class DiagnosisWindowDto {
  @ApiProperty({ format: 'date-time' })
  from: string;

  @ApiProperty({ format: 'date-time' })
  to: string;
}

const EVIDENCE: ApiPropertyOptions = {
  type: 'object',
  additionalProperties: { oneOf: [{ type: 'number' }, { type: 'string' }], nullable: true },
  description: 'The numbers the answer rests on (null: unknown, e.g. RabbitMQ did not answer)',
};

export class FindingDto {
  @ApiProperty({ minimum: 1, maximum: 7, description: 'Row of the runbook §2 failure matrix, in its order' })
  matrixRow: number;

  @ApiProperty({ enum: DiagnosisStage })
  stage: string;

  @ApiProperty({ description: '§2 증상', example: 'source outbox `FAILED` 증가' })
  symptom: string;

  @ApiProperty(EVIDENCE)
  evidence: Record<string, number | string | null>;

  @ApiProperty({ description: '§2 즉시 대응', example: 'MQ 복구 후 replay' })
  action: string;

  @ApiProperty({ type: [String], description: 'Admin calls and §6 queries to run next' })
  next: string[];
}

export class PathStepDto {
  @ApiProperty({ description: 'A §3 decision', example: 'FAILED/PENDING 증가?' })
  question: string;

  @ApiProperty({ enum: ['yes', 'no'] })
  answer: 'yes' | 'no';

  @ApiProperty(EVIDENCE)
  evidence: Record<string, number | string | null>;
}

export class DiagnosisDto {
  @ApiProperty()
  window: DiagnosisWindowDto;

  @ApiProperty({ type: [FindingDto], description: 'Most upstream first; empty when the pipeline is healthy' })
  findings: FindingDto[];

  @ApiProperty({ type: [PathStepDto], description: 'The §3 flowchart walked on the data' })
  path: PathStepDto[];
}

export class RecoveryItemDto {
  @ApiProperty({ minimum: 1, maximum: 5, description: 'Item of runbook §10' })
  item: number;

  @ApiProperty({ example: 'MQ consume fail 로그가 중단되었는지 확인' })
  check: string;

  @ApiProperty({ type: Boolean, nullable: true, description: 'null: only a person can tick it (§10-5)' })
  pass: boolean | null;

  @ApiProperty(EVIDENCE)
  evidence: Record<string, number | string | null>;
}

export class RecoveryCheckDto {
  @ApiProperty({ description: 'The window checked; its second half is compared with its first' })
  window: DiagnosisWindowDto;

  @ApiProperty({ description: 'As long again before the window: the level to recover to' })
  baselineWindow: DiagnosisWindowDto;

  @ApiProperty({ description: 'Every item that the system can check passes' })
  recovered: boolean;

  @ApiProperty({ type: [RecoveryItemDto] })
  items: RecoveryItemDto[];
}
