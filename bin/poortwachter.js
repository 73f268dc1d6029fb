#!/usr/bin/env node
// The `poortwachter` command. The code is TypeScript compiled to dist/ by `npm install` (prepare)
// or `npm run build`; this file only points at it, so that a missing build gets a clear message.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write('poortwachter: the compiled code is missing; run `npm install` or `npm run build` first.\n');
  process.exit(2);
}
// Output piped into `head` or a pager that quits early: stop quietly, as other tools do.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));
