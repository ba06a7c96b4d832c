// Helpers for pages that host forms: what the user typed, and field-level errors from an
// action result, so a failed form re-renders with the input kept (DESIGN.md §5 inv. 5).
import { isInputError } from "astro:actions";
import { type IssueLike, issueMessage, localizeDomainMessage, say } from "../../i18n/domain.ts";
import type { Locale } from "../../i18n/index.ts";

const NEVER_ECHO = new Set(["password", "confirm"]);

// The FormData each form action parsed, by request: pages re-render from it instead of
// parsing the body a second time (issue 9 §8 — a second parse doubled what a large body cost).
const parsedForms = new WeakMap<Request, FormData>();
// Also by the request's locals: a page under /fr/… or /nl/… renders a rewritten copy of the
// request the action read (middleware.ts, issue 12 §3), and locals are what the two share.
const parsedFormsByLocals = new WeakMap<object, FormData>();

/**
 * Wraps every action so the FormData Astro parsed for it is remembered for the page that
 * renders the result. `this` is the action's API context (Astro binds it), whose
 * `request` is the page's request.
 */
export function rememberParsedForms<T extends Record<string, unknown>>(actions: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, action] of Object.entries(actions)) {
    if (typeof action !== "function") {
      wrapped[name] = action;
      continue;
    }
    const fn = action as (this: { request?: Request; locals?: object }, input: unknown) => unknown;
    wrapped[name] = Object.assign(function (this: { request?: Request; locals?: object }, input: unknown) {
      if (input instanceof FormData && this?.request) parsedForms.set(this.request, input);
      if (input instanceof FormData && this?.locals) parsedFormsByLocals.set(this.locals, input);
      return fn.call(this, input);
    }, fn);
  }
  return wrapped as T;
}

/** The form data an action already parsed from this request (or the request these locals belong to), or null (never parses the body itself). */
export function submittedForm(request: Request, locals?: object): FormData | null {
  return parsedForms.get(request) ?? (locals ? parsedFormsByLocals.get(locals) : undefined) ?? null;
}

/** The submitted text fields of a POST (passwords never echoed back), from the action's parsed form. */
export async function submittedValues(request: Request, locals?: object): Promise<Record<string, string>> {
  const data = submittedForm(request, locals);
  if (!data) return {};
  const values: Record<string, string> = {};
  for (const [key, value] of data.entries()) if (typeof value === "string" && !NEVER_ECHO.has(key)) values[key] = value;
  return values;
}

/**
 * Field errors and a general message from an action result, in the page's language: the server
 * words them in English (i18n/domain.ts says how they are matched back to the catalogue).
 * `english` is the general message as the server worded it, for pages that place it by its wording.
 */
export function formErrors(
  result: { error?: unknown } | undefined,
  locale: Locale,
): { fields: Record<string, string>; message: string | null; code: string | null; english: string | null } {
  const found = rawFormErrors(result);
  const fields = Object.fromEntries(Object.entries(found.fields).map(([name, message]) => [name, localizeDomainMessage(locale, message)]));
  return { ...found, fields, message: found.message === null ? null : localizeDomainMessage(locale, found.message), english: found.message };
}

function rawFormErrors(result: { error?: unknown } | undefined): { fields: Record<string, string>; message: string | null; code: string | null } {
  const error = result?.error as { message?: string; code?: string } | undefined;
  if (!error) return { fields: {}, message: null, code: null };
  if (isInputError(error)) {
    // The first issue of each field; one without a message of our own gets one by its code.
    const fields: Record<string, string> = {};
    for (const issue of error.issues) if (issue.path.length > 0) fields[String(issue.path[0])] ??= issueMessage(issue as IssueLike);
    return { fields, message: null, code: "BAD_REQUEST" };
  }
  // A failure the domain did not expect (PocketBase's "Batch transaction failed.", a bug) is
  // never shown raw: domainCall words it with a reference; anything else gets a plain message.
  if (error.code === "INTERNAL_SERVER_ERROR" && !error.message?.startsWith("Something went wrong on our side")) {
    return { fields: {}, message: say("domain.unexpected"), code: error.code };
  }
  return { fields: {}, message: error.message ?? say("domain.something_wrong"), code: error.code ?? null };
}

/** Whether the failed form carried files: a browser cannot be given them back, so the page says to choose them again. */
export function filesChosen(form: FormData | null): boolean {
  return Boolean(form?.getAll("attachments").some((f) => typeof f !== "string" && f.size > 0));
}

/** Where the post form goes after a save: the preview, or the post's page saying what happened. */
export function savedPostRedirect(saved: { id: string; intent: string; status: string | null; blocked: boolean; incomplete?: boolean }): string {
  if (saved.intent === "preview") return `/dashboard/posts/${saved.id}/preview`;
  const outcome = saved.blocked ? "blocked" : saved.incomplete ? "incomplete" : saved.status ? "submitted" : "saved";
  return `/dashboard/posts/${saved.id}?${outcome}=1`;
}
