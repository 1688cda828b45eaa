import { judgeStep, WindowSample } from './step-verdict';

interface Rates {
  accepted: number;
  stored: number;
  dispatched: number;
  sourceBacklog: number;
  queue: number;
  dispatchBacklog: number;
}

/** A 30 s window sampled four times a second in which every count and backlog moves at a constant rate per second. */
function window(rates: Rates): WindowSample[] {
  return Array.from({ length: 121 }, (_, tick) => {
    const seconds = tick / 4;
    return {
      atMs: seconds * 1000,
      accepted: rates.accepted * seconds,
      stored: rates.stored * seconds,
      dispatched: rates.dispatched * seconds,
      sourceBacklog: 1_000 + rates.sourceBacklog * seconds,
      queueReady: 1_000 + rates.queue * seconds,
      dispatchBacklog: 1_000 + rates.dispatchBacklog * seconds,
    };
  });
}

describe('the verdict of a sustained step (3 % tolerance)', () => {
  it('calls unstable the growth step once judged stable: 5,331 stored of 5,500 offered, queue +157/s', () => {
    const step = window({
      accepted: 5_491,
      stored: 5_331,
      dispatched: 5_316,
      sourceBacklog: 10,
      queue: 157,
      dispatchBacklog: 9,
    });

    const verdict = judgeStep(5_500, step, 0, 0, 0.03);

    expect(verdict.stable).toBe(false);
    expect(verdict.verdict).toBe(
      'stored 5331/s; dispatched 5316/s; backlog +176/s (queue +157, source outbox +10, dispatch outbox +9)',
    );
  });

  it('calls stable a step whose stored and dispatched rates keep up and whose whole backlog holds', () => {
    const step = window({
      accepted: 5_494,
      stored: 5_519,
      dispatched: 5_500,
      sourceBacklog: -45,
      queue: 26,
      dispatchBacklog: 12,
    });

    const verdict = judgeStep(5_500, step, 0, 0, 0.03);

    expect(verdict).toMatchObject({ stable: true, verdict: '' });
    expect(verdict.backlogSlope).toBeCloseTo(-7, 6);
  });

  it('adds the three backlogs up: each growing by 2 % of the offered rate is 6 % together', () => {
    const step = window({
      accepted: 6_000,
      stored: 5_900,
      dispatched: 5_850,
      sourceBacklog: 120,
      queue: 120,
      dispatchBacklog: 120,
    });

    const verdict = judgeStep(6_000, step, 0, 0, 0.03);

    expect(verdict.stable).toBe(false);
    expect(verdict.verdict).toBe('backlog +360/s (source outbox +120, queue +120, dispatch outbox +120)');
  });

  it('calls unstable a step that stores fewer events than it accepts even though no backlog grows', () => {
    const step = window({
      accepted: 5_000,
      stored: 4_800,
      dispatched: 4_800,
      sourceBacklog: 0,
      queue: 0,
      dispatchBacklog: 0,
    });

    const verdict = judgeStep(5_000, step, 0, 0, 0.03);

    expect(verdict.stable).toBe(false);
    expect(verdict.verdict).toBe('stored 4800/s; dispatched 4800/s');
  });
});
