// What an admin use-case answers a form: a sentence for the person, and which
// field was wrong when one was. Never a raw error.
export type TActionResult = { ok: boolean; message: string; fieldErrors?: Record<string, string> };

export const done = (message: string): TActionResult => ({ ok: true, message });
export const refused = (message: string, fieldErrors?: Record<string, string>): TActionResult => ({ ok: false, message, ...(fieldErrors ? { fieldErrors } : {}) });

/** The actor of an admin's change, as the audit log names it. */
export const adminActor = (admin: { id: string; email: string }) => ({ type: 'user' as const, id: admin.id, label: admin.email });
