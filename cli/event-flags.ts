// `poortwachter case record <case-id> <event>`: an event's fields as command-line flags, generated
// from the event schema (caseEventSchema in workflows/case-model.ts) through its JSON Schema. The
// flags an event accepts, how their values are converted and what its help says about them all come
// from the schema; nothing here names a field. The schema itself still validates the event.
import { Command, InvalidArgumentError, Option } from 'commander';
import { toJSONSchema } from 'zod/mini';
import { CASE_EVENT_TYPES, caseEventSchema, givenDate, isoDate } from '../workflows/case-model.js';
import { CliError } from './io.js';

/** The part of JSON Schema that zod writes for the event schemas. */
interface JsonSchema {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
}

/** One flag of an event: a field, or a field of an object field (`document` → `--document-uri`). */
export interface EventField {
  /** The flag without its dashes, in kebab-case: `new-date`, `document-uri`. */
  flag: string;
  /** Where the value goes in the event: `['newDate']`, `['document', 'uri']`. */
  path: string[];
  /** How the text on the command line becomes the field's value. */
  value: 'text' | 'number' | 'yes/no';
  /** The value as the help describes it: `date YYYY-MM-DD`, `whole number 1–52`, `one of: a, b`. */
  type: string;
  placeholder: string;
  required: boolean;
  /** Flags that must be given together with this one (the other fields of the same object). */
  with: string[];
  description?: string;
}

export interface EventFlags {
  type: string;
  fields: EventField[];
  /** The description of the `actor` field, who records the event. */
  actor?: string;
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** What a value of this schema looks like, for the help, and how the command line's text converts. */
function describeValue(schema: JsonSchema, name: string): Pick<EventField, 'value' | 'type' | 'placeholder'> {
  if (schema.enum) return { value: 'text', type: `one of: ${schema.enum.join(', ')}`, placeholder: `<${name}>` };
  if (schema.type === 'boolean') return { value: 'yes/no', type: 'yes or no', placeholder: '<yes|no>' };
  if (schema.type === 'integer' || schema.type === 'number') {
    const range =
      schema.minimum !== undefined && schema.maximum !== undefined
        ? ` ${schema.minimum}–${schema.maximum}`
        : schema.minimum !== undefined
          ? ` from ${schema.minimum}`
          : schema.maximum !== undefined
            ? ` up to ${schema.maximum}`
            : '';
    return {
      value: 'number',
      type: `${schema.type === 'integer' ? 'whole number' : 'number'}${range}`,
      placeholder: '<n>',
    };
  }
  if (schema.format === 'date') return { value: 'text', type: 'date YYYY-MM-DD', placeholder: '<YYYY-MM-DD>' };
  const limit = schema.maxLength !== undefined ? `, at most ${schema.maxLength} characters` : '';
  if (schema.format === 'uri') return { value: 'text', type: `URI${limit}`, placeholder: '<uri>' };
  if (schema.format === 'email') return { value: 'text', type: 'e-mail address', placeholder: '<e-mail>' };
  if (schema.pattern) return { value: 'text', type: `text matching ${schema.pattern}`, placeholder: `<${name}>` };
  return { value: 'text', type: `text${limit}`, placeholder: `<${name}>` };
}

function fieldsOf(
  properties: Record<string, JsonSchema>,
  required: string[],
  path: string[],
  parentRequired: boolean,
): EventField[] {
  const fields: EventField[] = [];
  for (const [key, schema] of Object.entries(properties)) {
    if (path.length === 0 && (key === 'type' || key === 'actor')) continue;
    const isRequired = parentRequired && required.includes(key);
    if (schema.type === 'object' && schema.properties) {
      const inner = fieldsOf(schema.properties, schema.required ?? [], [...path, key], isRequired);
      // An optional object is all or nothing: its required fields go together.
      const together = inner.filter((f) => (schema.required ?? []).includes(f.path.at(-1)!)).map((f) => f.flag);
      for (const f of inner) if (together.includes(f.flag)) f.with = together.filter((t) => t !== f.flag);
      fields.push(...inner);
      continue;
    }
    fields.push({
      flag: kebab([...path, key].join('-')),
      path: [...path, key],
      ...describeValue(schema, kebab(key)),
      required: isRequired,
      with: [],
      ...(schema.description !== undefined && { description: schema.description }),
    });
  }
  return fields;
}

let cache: Map<string, EventFlags> | undefined;

/** Every event type with its flags, in the schema's order. */
export function eventFlags(): Map<string, EventFlags> {
  if (cache) return cache;
  const json = toJSONSchema(caseEventSchema, {
    io: 'input',
    unrepresentable: 'any',
    // The dates are strings checked by a refinement, which JSON Schema cannot say; mark them.
    override: (ctx) => {
      if ((ctx.zodSchema as unknown) === isoDate || (ctx.zodSchema as unknown) === givenDate)
        ctx.jsonSchema.format = 'date';
    },
  }) as JsonSchema;
  cache = new Map();
  for (const option of json.oneOf ?? json.anyOf ?? []) {
    const properties = option.properties ?? {};
    const type = properties.type?.const;
    if (typeof type !== 'string') continue;
    cache.set(type, {
      type,
      fields: fieldsOf(properties, option.required ?? [], [], true),
      ...(properties.actor?.description !== undefined && { actor: properties.actor.description }),
    });
  }
  return cache;
}

/** `--task --date [--document-uri --document-sha256] [--outcome]`: an event's flags in one line. */
export function flagSummary(flags: EventFlags): string {
  const parts: string[] = [];
  for (const f of flags.fields) {
    if (f.required) parts.push(`--${f.flag}`);
    else if (f.with.length && parts.at(-1)?.includes(`--${f.with[0]}`)) continue;
    else parts.push(`[${[f.flag, ...f.with].map((x) => `--${x}`).join(' ')}]`);
  }
  return parts.join(' ');
}

/** The closest of `candidates` to a mistyped `word`, as commander suggests commands and options. */
export function suggestion(word: string, candidates: readonly string[]): string {
  let best: string[] = [];
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    const similarity = 1 - distance / Math.max(word.length, candidate.length);
    if (distance > 3 || similarity <= 0.4) continue;
    if (distance < bestDistance) [best, bestDistance] = [[candidate], distance];
    else if (distance === bestDistance) best.push(candidate);
  }
  if (best.length === 0) return '';
  return best.length === 1 ? `\n(Did you mean ${best[0]}?)` : `\n(Did you mean one of ${best.join(', ')}?)`;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swapped neighbours. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The event type named on the command line, or a usage error that lists the known ones. */
export function knownEventType(type: string): EventFlags {
  const flags = eventFlags().get(type);
  if (flags) return flags;
  throw new CliError(
    `unknown event "${type}": type must be one of the known event types: ${CASE_EVENT_TYPES.join(', ')}` +
      suggestion(type, CASE_EVENT_TYPES),
  );
}

/**
 * The command that parses one event's flags: `poortwachter case record <case-id> <type> [flags]`.
 * Its help lists the fields with their types; `--actor` and `--file` are the same for every event.
 */
export function eventCommand(flags: EventFlags): Command {
  const command = new Command(`poortwachter case record <case-id> ${flags.type}`)
    .description(`Record a ${flags.type} event on a case: its fields as flags, or as a JSON object with --file.`)
    .optionsGroup('Options:')
    .helpOption('-h, --help', 'show this help');
  for (const f of flags.fields) {
    const need = f.required
      ? 'required'
      : f.with.length
        ? `optional, with ${f.with.map((w) => `--${w}`).join(' ')}`
        : 'optional';
    command.addOption(
      new Option(`--${f.flag} ${f.placeholder}`, `${need}; ${f.description ? `${f.description}: ` : ''}${f.type}`)
        .helpGroup(`Fields of ${flags.type}:`)
        .argParser(once(`--${f.flag}`)),
    );
  }
  command
    .addOption(
      new Option(
        '--actor <who>',
        `${flags.actor ?? 'who records the event'} (default: $POORTWACHTER_ACTOR, else your user name)`,
      ).argParser(once('--actor')),
    )
    .addOption(
      new Option('-f, --file <event.json>', 'the fields as one JSON object from this file, instead of flags').argParser(
        once('--file'),
      ),
    );
  return command;
}

/** A flag given twice would keep only its last value, silently: refused instead. */
function once(flag: string) {
  return (value: string, previous: unknown): string => {
    if (previous !== undefined)
      throw new InvalidArgumentError(`${flag} is given twice ("${String(previous)}", "${value}")`);
    return value;
  };
}

/** The event from the parsed flags: numbers and yes/no converted as the schema's types say. */
export function eventFromOptions(
  flags: EventFlags,
  values: Record<string, unknown>,
  command: Command,
): Record<string, unknown> {
  const event: Record<string, unknown> = { type: flags.type };
  for (const f of flags.fields) {
    const option = command.options.find((o) => o.long === `--${f.flag}`)!;
    const raw = values[option.attributeName()];
    if (typeof raw !== 'string') continue;
    let value: unknown = raw;
    if (f.value === 'number') {
      // Decimal only: Number() would also read 0x10 as 16, 1e1 as 10 and " 7 " as 7.
      if (!/^-?\d+(\.\d+)?$/.test(raw)) throw new CliError(`--${f.flag} must be a number, not "${raw}"`);
      value = Number(raw);
    } else if (f.value === 'yes/no') {
      if (!['yes', 'no', 'true', 'false'].includes(raw))
        throw new CliError(`--${f.flag} must be yes or no, not "${raw}"`);
      value = raw === 'yes' || raw === 'true';
    }
    let target = event;
    for (const key of f.path.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
    target[f.path.at(-1)!] = value;
  }
  return event;
}
