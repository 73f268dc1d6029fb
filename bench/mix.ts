// The case mix: a seeded, deterministic set of case stories, drawn from the figures in the domain
// notes and seed reports (assumptions, documented in the report):
// - most cases (about 65%) return to work through spoor 1 within months;
// - some (about 8%) recover, relapse within 28 days (samentellen) and recover again;
// - the rest (about 27%) become long cases past week 42: of those about a quarter start spoor 2,
//   about 10% leave employment sick, about 11% get a loonsanctie, about 30% recover in year 2 and
//   the rest run to the end of the 104 weeks.
// About 20% of the tasks are done late (5 to 20 days after the due date), so that escalations occur.
import { addDays, weekday, type IsoDate } from '../workflows/calendar/index.js';
import type { OpenCaseInput } from '../workflows/case-model.js';
import { between, prng } from './util.js';

export type CaseKind =
  | 'short'
  | 'relapse'
  | 'long-spoor1-recovers'
  | 'long-to-end'
  | 'long-spoor2'
  | 'long-ziek-uit-dienst'
  | 'long-loonsanctie';

export interface StoryEvent {
  /** Days after the first sick day; recorded at 09:00 Amsterdam on that day. */
  day: number;
  event: Record<string, unknown> & { type: string };
}

export interface CaseStory {
  index: number;
  kind: CaseKind;
  open: OpenCaseInput;
  events: StoryEvent[];
}

/** First sick days: the weekdays of January and February 2024 (fixed dates, via clockOffsetMs). */
const FIRST_DAYS: IsoDate[] = Array.from({ length: 60 }, (_, i) => addDays('2024-01-01', i)).filter((d) => {
  const wd = weekday(d);
  return wd !== 0 && wd !== 6;
});

function pickKind(r: number): CaseKind {
  if (r < 0.65) return 'short';
  if (r < 0.73) return 'relapse';
  const long = (r - 0.73) / 0.27; // uniform within the long cases
  if (long < 0.25) return 'long-spoor2';
  if (long < 0.35) return 'long-ziek-uit-dienst';
  if (long < 0.46) return 'long-loonsanctie';
  if (long < 0.76) return 'long-spoor1-recovers';
  return 'long-to-end';
}

export function generateStories(count: number, seed: number): CaseStory[] {
  const rnd = prng(seed);
  const stories: CaseStory[] = [];
  for (let index = 0; index < count; index++) {
    const D = FIRST_DAYS[index % FIRST_DAYS.length]!;
    const kind = pickKind(rnd());
    const employer = `wg-${String(index % 97).padStart(3, '0')}`;
    const open = {
      caseId: `bench-${String(index).padStart(6, '0')}`,
      employer: { id: employer, name: `Werkgever ${employer}`, escalationEmail: `hr@${employer}.example` },
      employee: { id: `wn-${index}`, displayName: `Werknemer ${index}` },
      casemanager: { name: `Casemanager ${index % 25}`, email: `cm${index % 25}@arbo.example` },
      bedrijfsarts: { name: 'Dr. B. Arts', email: 'arts@arbo.example' },
      firstSickDay: D,
    } as OpenCaseInput;
    const events: StoryEvent[] = [];
    const at = (day: number) => addDays(D, day);
    /** A task done on time (a few days before its due day) or, one time in five, 5–20 days late. */
    const doneAround = (due: number) => (rnd() < 0.2 ? due + between(rnd, 5, 20) : due - between(rnd, 0, 5));
    const task = (t: string, day: number, extra: Record<string, unknown> = {}) =>
      events.push({ day, event: { type: 'task-completed', task: t, date: at(day), ...extra } });

    /** The spoor-1 work until `until` (exclusive): ziekmelding, probleemanalyse, plan, evaluations. */
    const spoor1 = (until: number) => {
      task('ziekmelding', Math.min(between(rnd, 1, rnd() < 0.2 ? 12 : 5), until - 1));
      if (until <= 36) return;
      const pa = Math.min(doneAround(41), until - 1);
      task('probleemanalyse', pa);
      if (until <= pa + 10) return;
      const pva = Math.min(doneAround(pa + 14), until - 1);
      task('plan-van-aanpak', pva);
      for (let ev = doneAround(pva + 42); ev < until; ev = doneAround(ev + 42)) task('evaluatie', ev);
    };
    const recovered = (day: number) => events.push({ day, event: { type: 'recovered', date: at(day) } });

    switch (kind) {
      case 'short': {
        const r = rnd() < 0.6 ? between(rnd, 5, 42) : between(rnd, 43, 200);
        spoor1(r);
        recovered(r);
        break;
      }
      case 'relapse': {
        const r1 = between(rnd, 20, 150);
        const back = r1 + between(rnd, 3, 27);
        const r2 = back + between(rnd, 14, 120);
        spoor1(r1);
        recovered(r1);
        events.push({ day: back, event: { type: 'relapsed', date: at(back) } });
        // After the relapse the deadlines move by the gap; the evaluations go on.
        for (let ev = back + 42; ev < r2; ev += 42 + between(rnd, -3, 3)) task('evaluatie', ev);
        recovered(r2);
        break;
      }
      default: {
        // Long cases: spoor 1 through the first year.
        const end = kind === 'long-ziek-uit-dienst' ? between(rnd, 380, 600) : 700;
        spoor1(Math.min(330, end));
        task('uwv-42-weken-melding', doneAround(296));
        const outcome = kind === 'long-spoor2' ? 'spoor1-uitzichtloos' : 'spoor1-perspectief';
        task('eerstejaarsevaluatie', between(rnd, 330, 362), { outcome });
        if (kind === 'long-spoor2') task('start-tweede-spoor', between(rnd, 370, 400));
        const stop =
          kind === 'long-spoor1-recovers' ? between(rnd, 380, 690) : kind === 'long-ziek-uit-dienst' ? end : 660;
        for (let ev = between(rnd, 380, 400); ev < stop; ev += 42 + between(rnd, -5, 5)) task('evaluatie', ev);
        if (kind === 'long-spoor1-recovers') {
          recovered(stop);
          break;
        }
        if (kind === 'long-ziek-uit-dienst') {
          events.push({ day: end, event: { type: 'employment-ended', date: at(end), eigenrisicodrager: false } });
          break;
        }
        task('wia-brief-ontvangen', doneAround(615));
        task('actueel-oordeel', doneAround(630));
        task('eindevaluatie', doneAround(632));
        task('riv-kopie-werknemer', doneAround(634));
        task('wia-aanvraag', doneAround(648));
        if (kind === 'long-loonsanctie') {
          const day = between(rnd, 665, 700);
          events.push({ day, event: { type: 'loonsanctie', weeks: between(rnd, 6, 52), decisionDate: at(day) } });
        }
      }
    }
    events.sort((a, b) => a.day - b.day);
    stories.push({ index, kind, open, events });
  }
  return stories;
}
