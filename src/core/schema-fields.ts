import { z } from 'zod';

/**
 * The zod fields every configuration schema uses, each with the words a ConfigError repeats
 * (`expected a positive integer, got 1.5`), so core's file schema and the modules' sections say the
 * same thing about the same kind of value.
 */
export const positiveNumber = () => z.number({ error: 'expected a positive number' }).positive({ error: 'expected a positive number' });
export const positiveInteger = () =>
  z.number({ error: 'expected a positive integer' }).int({ error: 'expected a positive integer' }).positive({ error: 'expected a positive integer' });
export const nonNegativeInteger = () =>
  z.number({ error: 'expected a non-negative integer' }).int({ error: 'expected a non-negative integer' }).min(0, { error: 'expected a non-negative integer' });
export const nonEmptyString = () => z.string({ error: 'expected a string' }).min(1, { error: 'expected a non-empty string' });
