// Dates and moments as the pages show them: dd-mm-jjjj, and Amsterdam time across the change to
// summer time (Sunday 29 March 2026, 01:00 UTC), from the tree's own Amsterdam-time rule.
import { describe, expect, it } from 'vitest';
import { formatDate, formatMoment } from '../../service/pages/html.js';

describe('dates on the pages', () => {
  it('dd-mm-jjjj in Dutch, dd/mm/yyyy in English; moments in Amsterdam time, winter and summer', () => {
    expect(formatDate('2026-03-02', 'nl')).toBe('02-03-2026');
    expect(formatDate('2026-03-02', 'en')).toBe('02/03/2026');
    expect(formatMoment('2026-03-29T00:30:00Z', 'nl')).toBe('29-03-2026 01:30');
    expect(formatMoment('2026-03-29T01:30:00Z', 'nl')).toBe('29-03-2026 03:30');
    expect(formatMoment('2026-12-31T23:15:00Z', 'nl')).toBe('01-01-2027 00:15');
  });
});
