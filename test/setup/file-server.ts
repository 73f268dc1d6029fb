// Runs before every story file (vitest setupFiles): the file's own time-skipping server, started on
// first use by test/setup/temporal.ts, stops after the file's own afterAll hooks.
import { afterAll } from 'vitest';
import { stopTimeSkippingServer } from './temporal.js';

afterAll(stopTimeSkippingServer);
