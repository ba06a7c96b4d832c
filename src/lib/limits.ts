// The one place that declares how large an upload may be (issue 9 §8). The forms' hints,
// the domain checks, the per-action body limits in the middleware and the Node adapter's
// body limit (astro.config.mjs) all read these numbers, so a form never promises what the
// server refuses. No imports: astro.config.mjs loads this file before the app is built.

const MB = 1024 * 1024;

/** Most attachments a post may carry. */
export const MAX_ATTACHMENTS = 5;
/** Largest attachment, in bytes (also the PocketBase field's maxSize). */
export const MAX_ATTACHMENT_BYTES = 10 * MB;
/** Largest CSV of funding decisions, in bytes. */
export const MAX_CSV_BYTES = 5 * MB;
/** Largest organisation logo, in bytes (also the PocketBase field's maxSize). */
export const MAX_LOGO_BYTES = 2 * MB;
/**
 * Room for a form's text fields and multipart framing, in bytes: a post's longest texts
 * are far below this, and it is what every form lived with under Astro's 1 MB default.
 */
export const FORM_TEXT_BYTES = 1 * MB;

/** Largest request body each file-carrying action accepts; every other request gets FORM_TEXT_BYTES. */
export const ACTION_BODY_LIMITS: Readonly<Record<string, number>> = {
  savePost: MAX_ATTACHMENTS * MAX_ATTACHMENT_BYTES + FORM_TEXT_BYTES,
  importDecisions: MAX_CSV_BYTES + FORM_TEXT_BYTES,
  requestOrganization: MAX_LOGO_BYTES + FORM_TEXT_BYTES,
  // A round table's preparation message carries attachments under the posts' rules (issue 14 §3).
  postPreparation: MAX_ATTACHMENTS * MAX_ATTACHMENT_BYTES + FORM_TEXT_BYTES,
};

/** The largest body any request may have: the server-wide limit (adapter and Actions). */
export const MAX_REQUEST_BYTES = Math.max(FORM_TEXT_BYTES, ...Object.values(ACTION_BODY_LIMITS));

/** The body limit for a request to `url` (form actions are named by `?_action=` or `/_actions/<name>`). */
export function bodyLimitFor(url: URL): number {
  const name = url.searchParams.get("_action") ?? (url.pathname.startsWith("/_actions/") ? url.pathname.slice("/_actions/".length) : null);
  return (name && ACTION_BODY_LIMITS[name]) || FORM_TEXT_BYTES;
}

/** A size in megabytes, to one decimal (messages format it in the reader's language). */
export function megabytes(bytes: number): number {
  return Math.round((bytes / MB) * 10) / 10;
}
