/**
 * Reading a rejected command's `CommandError` ({ code, message, problems? }) without trusting
 * its shape: a form shows one message per field, the screen one message for the rest.
 */

/** One field problem as the backend reports it. */
export interface FieldProblem {
  field: string;
  code: string;
}

/** The stable error code of a rejection, or `internal` for anything unexpected. */
export function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
  }
  return 'internal';
}

/** The field problems of an `invalid` rejection, first problem per field. */
export function fieldProblems(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof error !== 'object' || error === null || !('problems' in error)) return out;
  const problems = (error as { problems: unknown }).problems;
  if (!Array.isArray(problems)) return out;
  for (const p of problems as unknown[]) {
    if (typeof p !== 'object' || p === null) continue;
    const { field, code } = p as { field?: unknown; code?: unknown };
    if (typeof field !== 'string' || typeof code !== 'string') continue;
    out[field] ??= code;
  }
  return out;
}

/**
 * The problems for fields the form does not show (so they are not lost): the screen lists
 * them in its general error.
 */
export function unshownProblems(problems: Record<string, string>, shown: readonly string[]): FieldProblem[] {
  return Object.entries(problems)
    .filter(([field]) => !shown.includes(field))
    .map(([field, code]) => ({ field, code }));
}
