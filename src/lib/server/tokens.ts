// Signed, expiring links for e-mail (verification, password reset, invitations). HMAC
// with the app secret; the `bind` value ties a token to state that changes when it is
// used (e.g. the record's `updated`), which makes the links single-use.
import { createHmac, timingSafeEqual } from "node:crypto";
import { now as clockNow } from "./clock.ts";
import { getAppSecret } from "./config.ts";

/** Creates a token for `purpose` and `subject`, valid for `ttlMs`. */
export function signToken(purpose: TokenPurpose, subject: string, bind: string, ttlMs: number, now = clockNow()): string {
  const expires = Math.floor((now + ttlMs) / 1000).toString(36);
  const payload = `${subject}.${expires}`;
  return `${payload}.${mac(purpose, payload, bind)}`;
}

/** Reads the subject of a token without trusting it (to look up the `bind` value). */
export function peekTokenSubject(token: string): string | null {
  const parts = token.split(".");
  return parts.length === 3 && /^[a-z0-9]{1,40}$/.test(parts[0]!) ? parts[0]! : null;
}

/** Verifies a token; returns its subject, or why it is refused. */
export function verifyToken(
  purpose: TokenPurpose,
  token: string,
  bind: string,
  now = clockNow(),
): { ok: true; subject: string } | { ok: false; reason: "invalid" | "expired" } {
  const parts = token.split(".");
  if (parts.length !== 3) return { ok: false, reason: "invalid" };
  const [subject, expires, signature] = parts as [string, string, string];
  const expected = Buffer.from(mac(purpose, `${subject}.${expires}`, bind));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: "invalid" };
  if (parseInt(expires, 36) * 1000 < now) return { ok: false, reason: "expired" };
  return { ok: true, subject };
}

function mac(purpose: string, payload: string, bind: string): string {
  return createHmac("sha256", getAppSecret()).update(`${purpose}\n${payload}\n${bind}`).digest("base64url");
}

/** What a token may be used for. */
export type TokenPurpose = "verify_email" | "password_reset" | "unsubscribe";
