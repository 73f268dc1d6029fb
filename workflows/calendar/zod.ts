// The zod the workflow bundle uses: zod/mini, with the English messages.
//
// Why not classic zod: a workflow's modules are instantiated once per case, in its own context, so
// every schema is built again for every case (CPU profiles of the benchmark put classic zod's
// schemas at about 10 ms a case there, against a fraction of a millisecond for all of the
// baseline's modules). In classic zod every chained method (`.trim()`, `.min()`, `.refine()`)
// builds a new schema, and object schemas compile a parser of their own on first use; zod/mini adds
// all checks to one schema with `.check(...)`. Validation and messages are the same zod core.
//
// zod/mini loads no locale of its own (classic zod sets English when it builds its first schema and
// no locale is set), so without English a refusal would read "Invalid input" with no detail. The
// names the schemas use are re-exported one by one: this is the part of zod the workflow relies on.
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

if (!config().localeError) config(en());

export {
  _default,
  array,
  boolean,
  core,
  describe,
  discriminatedUnion,
  email,
  enum,
  int,
  literal,
  maxLength,
  maximum,
  minLength,
  minimum,
  number,
  optional,
  partialRecord,
  refine,
  regex,
  strictObject,
  string,
  superRefine,
  trim,
  url,
} from 'zod/mini';
export type { infer, ZodMiniOptional } from 'zod/mini';
