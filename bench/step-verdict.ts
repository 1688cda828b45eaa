import type { BacklogSample } from './backlog-probe';
import type { StepResult } from './sustained.bench';

function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) {
    return 0;
  }
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.y, 0) / n;
  const covariance = points.reduce((sum, p) => sum + (p.x - meanX) * (p.y - meanY), 0);
  const variance = points.reduce((sum, p) => sum + (p.x - meanX) ** 2, 0);
  return variance === 0 ? 0 : covariance / variance;
}

export interface WindowSample extends BacklogSample {
  accepted: number;
}

/**
 * Judges a window of samples against the offered rate. Rates are least-squares slopes of the running counts, so the
 * dispatcher's batch-by-batch steps do not swing them. The step is stable when ingest took the offered rate without
 * failures, the stored and the dispatched rates fall short of it by at most `tolerance`, and the backlog of all stages
 * together grew by at most `tolerance` of it: the pipeline as a whole kept up, not merely each stage on its own.
 */
export function judgeStep(
  offered: number,
  window: WindowSample[],
  failedRequests: number,
  behindRequests: number,
  tolerance: number,
): Omit<StepResult, 'drainSeconds' | 'cpu' | 'failureReasons'> {
  const series = (pick: (sample: WindowSample) => number) =>
    slope(window.map((sample) => ({ x: sample.atMs / 1000, y: pick(sample) })));
  const figures = {
    offeredEventsPerSecond: offered,
    acceptedEventsPerSecond: series((sample) => sample.accepted),
    storedEventsPerSecond: series((sample) => sample.stored),
    dispatchedEventsPerSecond: series((sample) => sample.dispatched),
    sourceBacklogSlope: series((sample) => sample.sourceBacklog),
    queueSlope: series((sample) => sample.queueReady),
    dispatchBacklogSlope: series((sample) => sample.dispatchBacklog),
    maxBacklog: Math.max(...window.map((sample) => sample.sourceBacklog + sample.queueReady + sample.dispatchBacklog)),
    failedRequests,
    behindRequests,
  };
  const allowed = Math.max(offered * tolerance, 25);
  const backlogSlope = figures.sourceBacklogSlope + figures.queueSlope + figures.dispatchBacklogSlope;
  const shortOf = (rate: number) => offered - rate > allowed;
  const problems = [
    failedRequests > 0 ? `${failedRequests} requests failed` : '',
    behindRequests > 0 ? `ingest fell behind (${behindRequests} requests not sent)` : '',
    shortOf(figures.acceptedEventsPerSecond) ? `accepted ${Math.round(figures.acceptedEventsPerSecond)}/s` : '',
    shortOf(figures.storedEventsPerSecond) ? `stored ${Math.round(figures.storedEventsPerSecond)}/s` : '',
    shortOf(figures.dispatchedEventsPerSecond) ? `dispatched ${Math.round(figures.dispatchedEventsPerSecond)}/s` : '',
    backlogSlope > allowed ? `backlog +${Math.round(backlogSlope)}/s (${growingStages(figures)})` : '',
  ].filter((problem) => problem !== '');
  return { ...figures, backlogSlope, stable: problems.length === 0, verdict: problems.join('; ') };
}

/** The stages whose backlog grew, largest first, for the verdict. */
function growingStages(figures: { sourceBacklogSlope: number; queueSlope: number; dispatchBacklogSlope: number }) {
  const stages: [string, number][] = [
    ['source outbox', figures.sourceBacklogSlope],
    ['queue', figures.queueSlope],
    ['dispatch outbox', figures.dispatchBacklogSlope],
  ];
  return stages
    .filter(([, growth]) => growth > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([stage, growth]) => `${stage} +${Math.round(growth)}`)
    .join(', ');
}
