import type { z } from 'zod';

/** Parses an event or an environment, failing with every problem named instead of half-way through. */
export function parse<T extends z.ZodType>(schema: T, input: unknown, what = 'event'): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new Error(`invalid ${what}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
