// URL fields from users (call links, organisation websites, anything later): http and https
// only (DESIGN.md §5.7). Checked in the domain schema, in the PocketBase field (pattern set by
// migration 1765000060) and once more when a record is projected for rendering, so a value
// that slipped in before these rules existed never becomes an `href`.
import { z } from "zod";

/** The longest URL a field accepts. */
export const MAX_URL_LENGTH = 2000;

// The same rule as the PocketBase pattern in migration 1765000060 (Go spells the flag `(?i)`).
const pattern = /^https?:\/\/[^\s<>"'`\\]+$/i;

/** True for an absolute http(s) URL with a host and nothing a browser would reinterpret. */
export function isHttpUrl(value: string): boolean {
  // The raw text must itself start with the scheme: the WHATWG parser strips tabs,
  // newlines and leading spaces, so parsing alone would accept "java\tscript:" as a URL.
  if (value.length > MAX_URL_LENGTH || !pattern.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

/** The value when it is a safe http(s) URL, else null: use it for every `href` built from stored data. */
export function safeHref(value: unknown): string | null {
  return typeof value === "string" && isHttpUrl(value) ? value : null;
}

/** An optional URL form field: "" when empty, otherwise an http(s) URL (surrounding spaces trimmed). */
export function optionalHttpUrl(message: string) {
  return z.preprocess((v) => (typeof v === "string" ? v.trim() : (v ?? "")), z.union([z.literal(""), z.string().refine(isHttpUrl, { error: message })]));
}
