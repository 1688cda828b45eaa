import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, parseIsoDuration } from '@app/config';
import { ApiError, invalidRequest } from '@app/http';
import { AdminConfig } from '../admin-api.config';
import { DEFAULT_THRESHOLDS, diagnoseEvent, diagnoseWindow, Thresholds } from './diagnosis.walk';
import { DIAGNOSIS_SINCE, DiagnosisDto, INCIDENT_MAX_WINDOW, RecoveryCheckDto } from './diagnosis.dto';
import { incidentReport } from './incident-report';
import { PipelineSnapshotGatherer } from './pipeline-snapshot.gatherer';
import { recoveryCheck } from './recovery-check';

const durationMs = (text: string) => parseIsoDuration(text) ?? 0;

/** Runbook §2–§4, §10 and §11 answered from live data: the gatherer reads, the pure walks decide. */
@Injectable()
export class DiagnosisService {
  private readonly thresholds: Thresholds;

  constructor(
    @Inject(APP_CONFIG) config: AdminConfig,
    private readonly gatherer: PipelineSnapshotGatherer,
  ) {
    this.thresholds = { ...DEFAULT_THRESHOLDS, pendingStaleSeconds: config.DIAGNOSIS_PENDING_STALE_AFTER / 1000 };
  }

  async diagnose(since: string | undefined, eventId: string | undefined): Promise<DiagnosisDto> {
    if (eventId !== undefined) {
      if (since !== undefined) {
        throw invalidRequest([
          { field: 'since', reason: 'since applies to a window; leave it out with eventId', rejectedValue: since },
        ]);
      }
      return this.diagnoseEvent(eventId);
    }
    const { from, to, snapshot } = await this.gatherer.window({
      sinceMs: durationMs(since ?? DIAGNOSIS_SINCE.fallback),
    });
    return { window: { from: from.toISOString(), to: to.toISOString() }, ...diagnoseWindow(snapshot, this.thresholds) };
  }

  private async diagnoseEvent(eventId: string): Promise<DiagnosisDto> {
    const snapshot = await this.gatherer.event(eventId);
    if (snapshot === null) {
      throw new ApiError(404, 'NOT_FOUND', '이벤트를 찾을 수 없습니다.');
    }
    const known = [snapshot.outbox?.createdAt, snapshot.traces[0]?.createdAt, snapshot.stored?.storedAt].filter(
      (at): at is string => at !== undefined,
    );
    const from = known.reduce((first, at) => (at < first ? at : first), snapshot.now);
    return { window: { from, to: snapshot.now }, ...diagnoseEvent(snapshot, this.thresholds) };
  }

  async recoveryCheck(since: string): Promise<RecoveryCheckDto> {
    const gathered = await this.gatherer.recovery(durationMs(since));
    const items = recoveryCheck(gathered.inputs);
    const iso = ({ from, to }: { from: Date; to: Date }) => ({ from: from.toISOString(), to: to.toISOString() });
    return {
      window: iso(gathered.window),
      baselineWindow: iso(gathered.baselineWindow),
      recovered: items.every((item) => item.pass !== false),
      items,
    };
  }

  async incidentReport(fromText: string, toText: string | undefined): Promise<string> {
    const from = new Date(fromText);
    const to = toText === undefined ? new Date() : new Date(toText);
    if (to.getTime() <= from.getTime()) {
      throw invalidRequest([{ field: 'to', reason: 'to must be after from', rejectedValue: toText ?? 'now' }]);
    }
    if (to.getTime() - from.getTime() > durationMs(INCIDENT_MAX_WINDOW)) {
      throw invalidRequest([
        { field: 'to', reason: `to must be at most ${INCIDENT_MAX_WINDOW} after from`, rejectedValue: toText ?? 'now' },
      ]);
    }
    const [gathered, details] = await Promise.all([
      this.gatherer.window({ from, to }),
      this.gatherer.incidentDetails(from, to),
    ]);
    const { snapshot } = gathered;
    return incidentReport({
      from: from.toISOString(),
      to: to.toISOString(),
      diagnosis: diagnoseWindow(snapshot, this.thresholds),
      ingest: snapshot.ingest,
      acceptedEvents: gathered.acceptedEvents,
      traces: snapshot.traces,
      storedTotal: details.storedTotal,
      dispatchedInWindow: snapshot.dispatch.dispatchedInWindow,
      waiting: {
        sourcePending: snapshot.sourceOutbox.pending,
        sourceFailed: snapshot.sourceOutbox.failed,
        dispatchRetrying: snapshot.dispatch.retrying,
        dispatchParked: snapshot.dispatch.parked,
      },
      storedByName: details.storedByName,
      failuresByName: details.failuresByName,
      actions: details.actions,
    });
  }
}
