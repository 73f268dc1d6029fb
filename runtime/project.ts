// Where the project's files are, for every process: the repository (or image) root, and the
// workflow code the worker bundles into its sandbox. Found from this module's own location, so that
// it holds from the TypeScript sources (tests), from dist/ and from bench/dist/ alike.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder that holds package.json: the repository root, or /app in the image. */
export const projectRoot = findProjectRoot(dirname(fileURLToPath(import.meta.url)));

function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return from;
  }
}

/** workflows/index, as TypeScript source (tests) or compiled JavaScript (dist/). */
export const workflowsPath = new URL(
  `../workflows/index${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url,
).pathname;

/**
 * The failure converter's module (workflows/failure-converter.ts), compiled: the SDK loads it with
 * require() in every process and bundles it into the workflow sandbox, and require() cannot load the
 * TypeScript source, so the tests use the build too (`npm test` builds first).
 */
export const failureConverterPath = join(projectRoot, 'dist', 'workflows', 'failure-converter.js');
