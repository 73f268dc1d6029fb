// The zod the workflow bundle uses: zod/mini, with the English messages.
//
// Why not classic zod: a workflow's modules are instantiated once per case, and classic zod builds a
// new schema for every chained method (docs/decisions/2026-12-03-zod-mini-in-workflows.md). zod/mini
// adds all checks to one schema with `.check(...)`; validation and messages are the same zod core.
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
