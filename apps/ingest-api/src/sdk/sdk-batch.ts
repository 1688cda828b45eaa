import { SdkEventDraft } from './sdk-event';

/** A readable SDK request body: its events and the key it carries. */
export interface SdkBatch {
  /** The key as given (body, event or Authorization header); null when none was given. */
  key: string | null;
  items: unknown[];
  draftOf(item: Record<string, unknown>): SdkEventDraft;
}

export function firstString(values: unknown[]): string | null {
  const found = values.find((value) => typeof value === 'string' && value.trim() !== '');
  return (found as string | undefined) ?? null;
}
