import { z } from 'zod';
import { FormError, isGuid } from './context.js';

/** Console form fields, checked before anything reaches Graph; a failure names the field and what is wrong. */

export const guidField = (label: string) =>
  z
    .string({ error: `${label} is missing.` })
    .trim()
    .refine(isGuid, { error: `${label} must be an id (a GUID).` });

export const textField = (label: string, max: number) =>
  z
    .string()
    .trim()
    .max(max, { error: `${label} is longer than ${max} characters.` })
    .optional()
    .transform((v) => v ?? '');

/** Reads the first value of each named field; `multi` fields keep all their values. */
export function parseForm<T extends z.ZodType>(schema: T, form: URLSearchParams, multi: string[] = []): z.output<T> {
  const raw: Record<string, unknown> = {};
  for (const key of new Set(form.keys())) raw[key] = multi.includes(key) ? form.getAll(key) : form.get(key);
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new FormError(parsed.error.issues.map((issue) => issue.message).join(' '));
}
