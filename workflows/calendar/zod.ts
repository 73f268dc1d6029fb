// The zod the workflow bundle uses: zod/mini, with the English messages.
//
// Why not classic zod: a workflow's modules are instantiated once per case in its own context, and
// classic zod builds every schema with all of its methods (CPU profiles of the benchmark: its
// schemas cost about 10 ms a case there). zod/mini schemas are plain objects with checks, so the
// same schemas cost a fraction of that. Validation and messages are the same zod core.
//
// zod/mini loads no locale of its own (classic zod registers English when it builds its first
// schema), so without `config(en())` a refusal would read "Invalid input" with no detail. The
// named re-exports keep the bundle to what the schemas use.
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

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
