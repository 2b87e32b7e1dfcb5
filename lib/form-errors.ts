// Zod issues → the first message per form field, as server actions return them.
import type { ZodError } from 'zod';

export function fieldErrorsOf<TField extends string>(error: ZodError): Partial<Record<TField, string>> {
  const errors: Partial<Record<TField, string>> = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? '') as TField;
    errors[field] ??= issue.message;
  }
  return errors;
}
