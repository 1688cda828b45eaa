import { parseInstant } from '../http/iso-instant';
import { formatWindow, parseSince } from './policy-input.validators';

describe('ingest policy parameters', () => {
  it('writes a window as the shortest duration of one unit', () => {
    expect(formatWindow(60_000)).toBe('PT1M');
    expect(formatWindow(86_400_000)).toBe('P1D');
    expect(formatWindow(7_200_000)).toBe('PT2H');
    expect(formatWindow(1_500)).toBe('PT1.5S');
    expect(formatWindow(90_000)).toBe('PT90S');
  });

  it('reads since as a duration back from now or as an instant with its offset', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(parseSince('PT15M', now)).toEqual(new Date('2026-01-01T11:45:00Z'));
    expect(parseSince('2026-01-01T09:00:00+09:00', now)).toEqual(new Date('2026-01-01T00:00:00Z'));
    expect(parseSince('yesterday', now)).toBeNull();
    expect(parseInstant('2026-01-01T09:00:00')).toBeNull();
    expect(parseInstant('2026-02-30T09:00:00Z')).toBeNull();
    expect(parseInstant('2026-02-28T09:00:00.123Z')).toEqual(new Date('2026-02-28T09:00:00.123Z'));
  });
});
