// The one error the calendar throws for bad input, with every problem and the field it concerns.

export interface InputIssue {
  /** The field, as `periods[1].from`; `(input)` for the input as a whole. */
  path: string;
  message: string;
}

export class CalendarInputError extends Error {
  readonly issues: readonly InputIssue[];

  constructor(issues: readonly InputIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
    this.name = 'CalendarInputError';
    this.issues = issues;
  }
}

/** `['periods', 1, 'from']` → `periods[1].from`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(input)' : out;
}
