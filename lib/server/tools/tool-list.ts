// Tool lists: `*` means every tool, otherwise the names of the tools
// allowed. One parser for everything an operator or user types as a tool list
// (scopes, personal tokens), so the same names are accepted everywhere.
import { z } from 'zod';

const TOOL = /^(\*|[A-Za-z0-9_.:-]{1,64})$/;

/** "a, b  c" → ["a", "b", "c"]; "*" alone (or among names) means every tool. */
export function splitToolList(value: string): string[] {
  const tools = [...new Set(value.split(/[\s,]+/).filter(Boolean))];
  return tools.includes('*') ? ['*'] : tools;
}

export const ZToolListSchema = z
  .string()
  .max(4000, 'At most 4000 characters')
  .transform(splitToolList)
  .refine((tools) => tools.length <= 200, 'At most 200 tools')
  .refine((tools) => tools.every((t) => TOOL.test(t)), 'Tool names use letters, digits and . _ : - only (at most 64 characters)');

/** As a form field shows it. */
export function formatToolList(tools: readonly string[]): string {
  return tools.join(' ');
}
