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

/** PostHog's batch capture API: `POST {host}/batch/` with `{api_key, batch}`; a 413 halves the batch until it fits. */
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
    let failure: Extract<HttpVerdict, { kind: 'retry' }> | null = null;
    while (parts.length > 0) {
      const part = parts.shift() as DispatchItem[];
      // Once the target is failing, the rest of a split batch waits for the retry instead of hammering it.
      const verdict: HttpVerdict = failure ?? (await this.post(part));
      switch (verdict.kind) {
        case 'delivered':
          outcomes.push(...part.map(({ outboxId }) => ({ outboxId, result: 'delivered' as const })));
          break;
        case 'reject':
          outcomes.push(...part.map(({ outboxId }) => ({ outboxId, result: 'reject' as const, error: verdict.error })));
          break;
        case 'retry':
          failure = verdict;
          outcomes.push(
            ...part.map(({ outboxId }) => ({
              outboxId,
              result: 'retry' as const,
              error: verdict.error,
              retryAfterMs: verdict.retryAfterMs,
            })),
          );
          break;
        case 'split':
          if (part.length === 1) {
            const error = 'HTTP 413: a single event is larger than PostHog accepts';
            outcomes.push({ outboxId: part[0].outboxId, result: 'reject', error });
          } else {
            const half = Math.ceil(part.length / 2);
            parts.unshift(part.slice(0, half), part.slice(half));
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
