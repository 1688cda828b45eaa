/** RFC 3339 instant with its offset (`Z` or `±hh:mm`; `T` and `Z` in either case): a local time would mean a different window per server. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** An ISO-8601 instant with its offset, or null. */
export function parseInstant(value: string): Date | null {
  if (!ISO_INSTANT.test(value)) {
    return null;
  }
  // Date.parse rolls 2026-02-30 over to March 2 rather than refusing it.
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  const calendarDay = new Date(Date.UTC(year, month - 1, day));
  if (calendarDay.getUTCMonth() !== month - 1 || calendarDay.getUTCDate() !== day) {
    return null;
  }
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms);
}
