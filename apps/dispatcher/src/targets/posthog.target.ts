import { DispatchTargetName } from '@app/entities';
import { DispatchItem, DispatchOutcome, DispatchTarget } from './dispatch-target';
import { httpVerdict, HttpVerdict } from './http-verdict';
import { HttpSendError, JsonPoster } from './json-poster';
import { toPosthogEvent } from './posthog-event.mapper';

export interface PosthogTargetOptions {
  apiKey: string;
  host: string;
  connectTimeoutMs: number;
  timeoutMs: number;
}

/**
 * PostHog's batch capture API: `POST {host}/batch/` with `{api_key, batch}`. A 413 halves the batch until the parts
 * fit, a 400 until the events PostHog refuses are alone, so that only they are parked.
 */
export class PosthogTarget implements DispatchTarget {
  readonly name = DispatchTargetName.Posthog;
  private readonly poster: JsonPoster;

  constructor(private readonly options: PosthogTargetOptions) {
    this.poster = new JsonPoster(new URL(`${options.host.replace(/\/+$/, '')}/batch/`), {
      connectMs: options.connectTimeoutMs,
      totalMs: options.timeoutMs,
    });
  }

  async send(batch: DispatchItem[]): Promise<DispatchOutcome[]> {
    const outcomes: DispatchOutcome[] = [];
    const parts = [batch];
    let failure: Extract<HttpVerdict, { kind: 'retry' | 'unauthorized' }> | null = null;
    while (parts.length > 0) {
      const part = parts.shift() as DispatchItem[];
      // Once the target is failing, the rest of a split batch waits for the retry instead of hammering it.
      const verdict: HttpVerdict = failure ?? (await this.post(part));
      const ids = part.map(({ outboxId }) => outboxId);
      switch (verdict.kind) {
        case 'delivered':
          outcomes.push(...ids.map((outboxId) => ({ outboxId, result: 'delivered' as const })));
          break;
        case 'retry':
          failure = verdict;
          outcomes.push(
            ...ids.map((outboxId) => ({
              outboxId,
              result: 'retry' as const,
              error: verdict.error,
              retryAfterMs: verdict.retryAfterMs,
            })),
          );
          break;
        case 'unauthorized':
          failure = verdict;
          outcomes.push(
            ...ids.map((outboxId) => ({
              outboxId,
              result: 'unauthorized' as const,
              error: verdict.error,
              status: verdict.status,
            })),
          );
          break;
        case 'reject':
          if (verdict.splittable && part.length > 1) {
            parts.unshift(...halves(part));
          } else {
            outcomes.push(...ids.map((outboxId) => ({ outboxId, result: 'reject' as const, error: verdict.error })));
          }
          break;
        case 'split':
          if (part.length > 1) {
            parts.unshift(...halves(part));
          } else {
            const error = 'HTTP 413: a single event is larger than PostHog accepts';
            outcomes.push({ outboxId: part[0].outboxId, result: 'reject', error });
          }
          break;
      }
    }
    return outcomes;
  }

  close(): void {
    this.poster.close();
  }

  private async post(part: DispatchItem[]): Promise<HttpVerdict> {
    const body = JSON.stringify({
      api_key: this.options.apiKey,
      batch: part.map((item) => toPosthogEvent(item.event)),
    });
    try {
      const answer = await this.poster.post(body);
      return httpVerdict(answer.status, answer.headers, answer.body, Date.now());
    } catch (error) {
      const message = error instanceof HttpSendError ? error.message : `network error: ${String(error)}`;
      return { kind: 'retry', error: message, retryAfterMs: null };
    }
  }
}

function halves<T>(items: T[]): [T[], T[]] {
  const half = Math.ceil(items.length / 2);
  return [items.slice(0, half), items.slice(half)];
}
