// The case's refusals as the pages say them: Dutch, with the field, dates as dd-mm-jjjj; a refusal
// not known is still shown in the case's words; English pages keep the case's words.
import { describe, expect, it } from 'vitest';
import { sayRefusal } from '../../service/pages/refusals.js';

describe("the case's refusals on the pages", () => {
  it('in Dutch, with the field they are about', () => {
    expect(sayRefusal('date: 2027-01-01 is in the future (today is 2026-03-02)', 'nl')).toEqual({
      field: 'date',
      text: '01-01-2027 ligt in de toekomst (vandaag is het 02-03-2026).',
    });
    expect(sayRefusal('newDate: 2026-03-01 is not later than the current due date 2026-04-05', 'nl')).toEqual({
      field: 'newDate',
      text: 'De nieuwe datum moet na de huidige uiterste datum (05-04-2026) liggen.',
    });
    expect(sayRefusal('probleemanalyse is already recorded as done on 2026-03-02', 'nl')).toEqual({
      field: 'task',
      text: 'Deze taak is al gedaan op 02-03-2026.',
    });
    expect(
      sayRefusal(
        'the relapse on 2026-06-01 comes 40 days after the recovery on 2026-04-22 (28 or more): that is a new sickness case; open a new case with first sick day 2026-06-01',
        'nl',
      ).text,
    ).toBe(
      'Dat is 40 dagen na het herstel op 22-04-2026: een nieuwe ziekmelding. Open een nieuwe zaak met eerste ziektedag 01-06-2026.',
    );
  });

  it('a medical word in free text: which word, and what to write instead', () => {
    expect(
      sayRefusal(
        'text: "sertraline" is a medicine: medical data may not be recorded in the case file; write what the employee can and cannot do, not why',
        'nl',
      ),
    ).toEqual({
      field: 'text',
      text: '"sertraline" is een medicijn: medische gegevens horen niet in het dossier. Schrijf op wat de werknemer wel en niet kan, niet waarom.',
    });
  });

  it("unknown ones in the case's words, and English pages as the case says it", () => {
    expect(sayRefusal('weeks: something new', 'nl')).toEqual({
      field: 'weeks',
      text: 'De zaak weigert dit: weeks: something new',
    });
    expect(sayRefusal('date: 2027-01-01 is in the future (today is 2026-03-02)', 'en')).toEqual({
      field: 'date',
      text: 'date: 2027-01-01 is in the future (today is 2026-03-02)',
    });
  });
});
