import { parseIsoDuration } from './iso-duration';

describe('parseIsoDuration', () => {
  it.each([
    ['PT10S', 10_000],
    ['PT0.5S', 500],
    ['PT0.02S', 20],
    ['PT1M', 60_000],
    ['PT640S', 640_000],
    ['PT10M', 600_000],
    ['P7D', 604_800_000],
    ['P1DT1H', 90_000_000],
  ])('parses %s', (text, ms) => {
    expect(parseIsoDuration(text)).toBe(ms);
  });

  it.each(['', 'P', 'PT', '10s', 'PT-1S', 'P1W', 'soon'])('rejects %p', (text) => {
    expect(parseIsoDuration(text)).toBeNull();
  });
});
