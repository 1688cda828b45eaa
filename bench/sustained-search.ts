import { StepResult } from './sustained.bench';

export interface SearchOptions {
  start: number;
  step: number;
  /** Bisections between the highest stable and the lowest unstable rate once the ladder has found both. */
  refinements: number;
  maxSteps: number;
  /** Epoch ms after which no new step starts. */
  deadline: number;
}

export interface SearchResult {
  /** The highest offered rate that was stable, or null if none was. */
  rate: number | null;
  /** The lowest offered rate that was not stable, or null if none was tried. */
  unstableRate: number | null;
  steps: StepResult[];
  /** Why the search ended early ('' when it ran its course). */
  note: string;
}

/**
 * A ladder of offered rates from `start`, up by `step` while stable or down while not, until the verdict flips;
 * then bisects between the two. Stops early when a step's backlog does not drain (the next step would start dirty).
 */
export async function findSustainedRate(
  runAt: (eventsPerSecond: number) => Promise<StepResult>,
  options: SearchOptions,
): Promise<SearchResult> {
  const steps: StepResult[] = [];
  const found: { stable: number | null; unstable: number | null } = { stable: null, unstable: null };
  const canRun = () => steps.length < options.maxSteps && Date.now() < options.deadline;
  const attempt = async (rate: number): Promise<boolean> => {
    const outcome = await runAt(rate);
    steps.push(outcome);
    if (outcome.stable) {
      found.stable = Math.max(found.stable ?? 0, rate);
    } else {
      found.unstable = Math.min(found.unstable ?? Number.POSITIVE_INFINITY, rate);
    }
    return outcome.drainSeconds !== null;
  };
  const result = (note: string): SearchResult => ({ rate: found.stable, unstableRate: found.unstable, steps, note });

  let rate = options.start;
  while (canRun() && rate > 0) {
    if (!(await attempt(rate))) {
      return result(`the backlog of the ${rate}/s step did not drain in time`);
    }
    if (found.stable !== null && found.unstable !== null) {
      break;
    }
    rate += found.stable === rate ? options.step : -options.step;
  }
  for (let refinement = 0; refinement < options.refinements && canRun(); refinement++) {
    const { stable, unstable } = found;
    if (stable === null || unstable === null) {
      break;
    }
    const middle = Math.round((stable + unstable) / 2 / 100) * 100;
    if (middle <= stable || middle >= unstable) {
      break;
    }
    if (!(await attempt(middle))) {
      return result(`the backlog of the ${middle}/s step did not drain in time`);
    }
  }
  return result(canRun() || (found.stable !== null && found.unstable !== null) ? '' : 'step limit or deadline reached');
}
