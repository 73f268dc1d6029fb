// The rules of the Wet verbetering poortwachter as described in docs/domain.md (2026). Never edit the
// dates of a published rule set: cases opened under it must keep their calendar. Add a new rule set
// (and register it) when the law changes.
import type { Ruleset } from './types.js';

export const WVP_2026: Ruleset = {
  id: 'wvp-2026',
  description: 'Wet verbetering poortwachter, Regeling procesgang eerste en tweede ziektejaar, stand 2026',
  samentellenGapDays: 28,
  milestones: [
    {
      id: 'ziekmelding',
      title: 'Ziekmelding bij arbodienst of bedrijfsarts',
      owner: 'werkgever',
      isTask: true,
      legalBasis:
        'Wet verbetering poortwachter: de werkgever meldt het verzuim binnen de eerste week aan de arbodienst of bedrijfsarts (deskundige bijstand, Arbeidsomstandighedenwet)',
      due: { kind: 'sick-day', day: 7 }, // within week 1: D + 6
    },
    {
      id: 'probleemanalyse',
      title: 'Probleemanalyse door de bedrijfsarts',
      owner: 'bedrijfsarts',
      isTask: true,
      legalBasis:
        'Regeling procesgang eerste en tweede ziektejaar: probleemanalyse met advies over de mogelijkheden tot werkhervatting, uiterlijk in week 6',
      due: { kind: 'sick-day', day: 42 }, // week 6: D + 41
      postponable: true,
      requiredForVangnetDossierAfterSickDays: 56,
    },
    {
      id: 'plan-van-aanpak',
      title: 'Plan van aanpak opstellen',
      owner: 'werkgever+werknemer',
      isTask: true,
      legalBasis:
        'Regeling procesgang eerste en tweede ziektejaar: plan van aanpak uiterlijk twee weken na de probleemanalyse (week 8), met aanwijzing van de casemanager; art. 7:658a en 7:660a BW',
      // 14 days after the probleemanalyse; while it is not completed, after its due date (D + 41 + 14 = D + 55)
      due: { kind: 'after-task', task: 'probleemanalyse', days: 14 },
      postponable: true,
      requiredForVangnetDossierAfterSickDays: 56,
    },
    {
      id: 'evaluatie',
      title: 'Evaluatie en bijstelling plan van aanpak',
      owner: 'werkgever+werknemer',
      isTask: true,
      legalBasis:
        'Regeling procesgang eerste en tweede ziektejaar: periodieke evaluatie en zo nodig bijstelling van het plan van aanpak, ten minste elke zes weken',
      due: { kind: 'recurring-after', task: 'plan-van-aanpak', days: 42 },
    },
    {
      id: 'uwv-42-weken-melding',
      title: 'Ziekmelding aan UWV na 42 weken',
      owner: 'werkgever',
      isTask: true,
      legalBasis:
        'Ziektewet art. 38: melding van langdurige ongeschiktheid aan UWV, op de eerste werkdag na week 42 (werkdagen volgens de Algemene termijnenwet)',
      due: { kind: 'first-working-day-after-week', week: 42 },
    },
    {
      id: 'eerstejaarsevaluatie',
      title: 'Eerstejaarsevaluatie',
      owner: 'werkgever+werknemer',
      isTask: true,
      legalBasis:
        'Regeling procesgang eerste en tweede ziektejaar: eerstejaarsevaluatie in week 52 (vanaf week 46), met besluit over spoor 1 en spoor 2',
      due: { kind: 'sick-day', day: 364 }, // week 52: D + 363
      from: { kind: 'sick-day', day: 316 }, // first day of week 46: D + 315
    },
    {
      id: 'start-tweede-spoor',
      title: 'Start tweede spoor',
      owner: 'werkgever',
      isTask: true,
      legalBasis:
        'Art. 7:658a BW: re-integratie bij een andere werkgever zodra terugkeer in eigen werk niet meer te verwachten is, uiterlijk zes weken na de eerstejaarsevaluatie, tenzij een uitzondering is vastgelegd',
      // 6 weeks after the eerstejaarsevaluatie was held; while it is not recorded, D + 363 + 42 = D + 405
      due: { kind: 'after-task', task: 'eerstejaarsevaluatie', days: 42 },
      spoor2: { afterNoProspectDays: 42 },
    },
    {
      id: 'wia-brief-ontvangen',
      title: 'Controle ontvangst WIA-brief van UWV',
      owner: 'casemanager',
      isTask: true,
      legalBasis: 'WIA: UWV stuurt in week 88 de brief over de WIA-aanvraag; controle uiterlijk eind week 88',
      due: { kind: 'sick-day', day: 616 }, // week 88: D + 615
      movesWithVerlenging: true,
    },
    {
      id: 'riv-kopie-werknemer',
      title: 'Kopie re-integratieverslag aan werknemer',
      owner: 'werkgever',
      isTask: true,
      legalBasis:
        'WIA art. 25: de werknemer ontvangt een afschrift van de stukken van het re-integratieverslag, uiterlijk in week 91',
      due: { kind: 'sick-day', day: 637 }, // week 91: D + 636
      movesWithVerlenging: true,
    },
    {
      id: 'actueel-oordeel',
      title: 'Actueel oordeel bedrijfsarts',
      owner: 'bedrijfsarts',
      isTask: true,
      legalBasis:
        'WIA art. 25 / Regeling procesgang: actueel oordeel van de bedrijfsarts voor het re-integratieverslag, bij de aanvraag niet ouder dan drie maanden, uiterlijk in week 91',
      due: { kind: 'sick-day', day: 637 }, // week 91: D + 636
      movesWithVerlenging: true,
    },
    {
      id: 'eindevaluatie',
      title: 'Eindevaluatie',
      owner: 'werkgever+werknemer',
      isTask: true,
      legalBasis:
        'Regeling procesgang eerste en tweede ziektejaar: eindevaluatie van werkgever en werknemer voor het re-integratieverslag, uiterlijk in week 91',
      due: { kind: 'sick-day', day: 637 }, // week 91: D + 636
      movesWithVerlenging: true,
    },
    {
      id: 'wia-aanvraag',
      title: 'WIA-aanvraag met re-integratieverslag',
      owner: 'werknemer',
      isTask: true,
      legalBasis:
        'WIA (art. 25 voor het re-integratieverslag): de werknemer vraagt de WIA-uitkering aan uiterlijk 11 weken voor het einde van de wachttijd (week 93); de werkgever levert het re-integratieverslag aan',
      due: { kind: 'sick-day', day: 651 }, // week 93: D + 650
      movesWithVerlenging: true,
    },
    {
      id: 'einde-wachttijd',
      title: 'Einde wachttijd',
      owner: 'none',
      isTask: false,
      legalBasis:
        'Art. 7:629 BW en WIA art. 23: einde van de wachttijd van 104 weken; later bij vrijwillige verlenging (WIA art. 24) of loonsanctie (WIA art. 25 lid 9)',
      due: { kind: 'sick-day', day: 728 }, // last day of week 104: D + 727
      movesWithVerlenging: true,
      movesWithLoonsanctie: true,
      isWaitingTimeEnd: true,
    },
  ],
};
