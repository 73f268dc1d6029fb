// The screen of free text for medical data: whole words and short phrases, Dutch and English, with
// or without accents; ordinary words that contain a term pass; an arbodienst adds and lifts words.
import { describe, expect, it } from 'vitest';
import { parseMedicalTerms } from '../../runtime/medical-terms-config.js';
import { findMedicalTerm, medicalRefusal } from '../../workflows/medical-terms.js';

describe('the medical-terms screen', () => {
  it('finds diagnoses, medicines, treatments and body systems, in Dutch and English', () => {
    expect(findMedicalTerm('Diagnose: burn-out, medicatie sertraline')).toEqual({ term: 'diagnose', kind: 'diagnose' });
    expect(findMedicalTerm('Zij gebruikt Sertraline sinds maart')).toEqual({ term: 'sertraline', kind: 'medicijn' });
    expect(findMedicalTerm('under treatment by a psychiatrist')?.kind).toBe('behandeling');
    expect(findMedicalTerm('heeft last van rugklachten')?.kind).toBe('lichaam');
    expect(findMedicalTerm('had a heart attack')).toEqual({ term: 'heart attack', kind: 'diagnose' });
    expect(findMedicalTerm('DEPRESSIE')?.term).toBe('depressie');
    expect(findMedicalTerm('naar de fysiotherapeut geweest')?.kind).toBe('behandeling');
  });

  it('lets ordinary text through, also words that contain a term', () => {
    for (const text of [
      'Gesprek gevoerd over de voortgang; werkhervatting 2 uur per dag vanaf maandag.',
      'Met hartelijke groet, Anna',
      'Rugzak met laptop meegenomen naar kantoor',
      'Kan niet tillen boven 10 kg, wel zittend werk',
      'werknemer op vakantie',
      'Lever het formulier in bij P&O',
    ]) {
      expect(findMedicalTerm(text), text).toBeUndefined();
    }
  });

  it('names the field, the word and why, for every free-text field of an event', () => {
    expect(medicalRefusal({ type: 'note', text: 'Diagnose: burn-out, medicatie sertraline' })).toBe(
      'text: "diagnose" is a diagnosis or illness: medical data may not be recorded in the case file; write what the employee can and cannot do, not why',
    );
    expect(medicalRefusal({ type: 'task-postponed', reason: 'wacht op MRI' })).toMatch(/^reason: "mri" is a treatment/);
    expect(medicalRefusal({ type: 'deskundigenoordeel-received', outcome: 'ongeschikt wegens hernia' })).toMatch(
      /^outcome: "hernia"/,
    );
    expect(medicalRefusal({ type: 'note', text: 'gebeld, gaat goed' })).toBeUndefined();
  });

  it("takes an arbodienst's own words and lifts the ones it does not want", () => {
    const list = parseMedicalTerms('# ons eigen lijstje\nlymfoedeem\nbotox = medicijn\n!therapie\n', 'terms.txt');
    expect(findMedicalTerm('lymfoedeem in de arm', list)).toEqual({ term: 'lymfoedeem', kind: 'diagnose' });
    expect(findMedicalTerm('botox', list)?.kind).toBe('medicijn');
    expect(findMedicalTerm('therapie', list)).toBeUndefined();
    expect(findMedicalTerm('sertraline', list)?.kind).toBe('medicijn');
    expect(() => parseMedicalTerms('x = pil', 'terms.txt')).toThrow(
      'terms.txt: line 1: "pil" must be one of diagnose, medicijn, behandeling, lichaam',
    );
  });
});
