// Sessions as the Lucia guide describes (the `lucia` package is deprecated): a token
// `id.secret`, only the SHA-256 of the secret stored, constant-time comparison, sliding
// expiry, revocable one by one or all at once (DESIGN.md §1).
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { AstroCookies } from "astro";
import type { RecordModel } from "pocketbase";
import { currentDate, now as clockNow } from "./clock.ts";
import { getConfig } from "./config.ts";
import { randomRecordId } from "./ids.ts";
import { getPocketBase, isNotFound } from "./pocketbase.ts";
import { timedJob } from "./observability.ts";
import { loadActor, privilegeStamp, toSessionUser, type Actor } from "./users.ts";

/** How long a session lives without being used. */
export const SESSION_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;
/** Minimum time between two renewals (writes) of the same session. */
export const SESSION_RENEW_INTERVAL_MS = 60 * 60 * 1000;
/** Name of the session cookie. */
export const SESSION_COOKIE = "casebook_session";

/** A new random token `id.secret`: 15-char record id (77 bits) and a 192-bit secret. */
export function generateSessionToken(): { id: string; secret: string; token: string } {
  const id = randomRecordId();
  const secret = randomBytes(24).toString("base64url");
  return { id, secret, token: `${id}.${secret}` };
}

function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** Creates a session for a user (on sign-in, and again whenever their privileges change). */
export async function createSession(userId: string, meta: { userAgent?: string | null; ip?: string | null } = {}): Promise<NewSession> {
  const pb = await getPocketBase();
  const { id, secret, token } = generateSessionToken();
  const now = currentDate();
  const expiresAt = new Date(now.getTime() + SESSION_LIFETIME_MS);
  const actor = await loadActor(userId);
  await pb.collection("sessions").create({
    id,
    secret_hash: hashSecret(secret),
    user: userId,
    expires_at: expiresAt.toISOString(),
    last_verified_at: now.toISOString(),
    user_agent: (meta.userAgent ?? "").slice(0, 500),
    ip: (meta.ip ?? "").slice(0, 64),
    privilege_stamp: actor ? privilegeStamp(actor) : "",
  });
  return { id, token, expiresAt };
}

/**
 * Checks a token. Returns the session and its user, or null when the token is malformed,
 * unknown, wrong or expired. Renews the expiry when used after the renew interval, and
 * replaces the session (new id and secret) when the user's privileges changed since it
 * was issued — the caller must then set the returned token as the new cookie.
 */
export async function validateSessionToken(token: string, meta: { userAgent?: string | null; ip?: string | null } = {}): Promise<SessionValidation | null> {
  const [id, secret, ...rest] = token.split(".");
  if (!id || !secret || rest.length > 0 || !/^[a-z0-9]{15}$/.test(id) || secret.length > 64) return null;
  const pb = await getPocketBase();
  let record: RecordModel;
  try {
    record = await pb.collection("sessions").getOne(id);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  const expected = Buffer.from(String(record.secret_hash), "hex");
  const actual = Buffer.from(hashSecret(secret), "hex");
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;

  const now = clockNow();
  const expiresAt = new Date(String(record.expires_at).replace(" ", "T"));
  if (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= now) {
    await pb
      .collection("sessions")
      .delete(id)
      .catch(() => undefined);
    return null;
  }
  const actor = await loadActor(String(record.user));
  if (!actor) {
    await pb
      .collection("sessions")
      .delete(id)
      .catch(() => undefined);
    return null;
  }
  if (record.privilege_stamp !== privilegeStamp(actor)) {
    // Privileges changed (role, membership): no session outlives the privileges it was issued for.
    await pb
      .collection("sessions")
      .delete(id)
      .catch(() => undefined);
    const fresh = await createSession(actor.id, meta);
    return { session: { id: fresh.id, expiresAt: fresh.expiresAt }, actor, user: toSessionUser(actor), newToken: fresh.token };
  }
  const lastVerified = new Date(String(record.last_verified_at || record.created).replace(" ", "T")).getTime();
  let finalExpiry = expiresAt;
  if (!(now - lastVerified < SESSION_RENEW_INTERVAL_MS)) {
    finalExpiry = new Date(now + SESSION_LIFETIME_MS);
    await pb.collection("sessions").update(id, { expires_at: finalExpiry.toISOString(), last_verified_at: new Date(now).toISOString() });
  }
  return { session: { id, expiresAt: finalExpiry }, actor, user: toSessionUser(actor), newToken: finalExpiry !== expiresAt ? token : null };
}

/** Ends one session. */
export async function invalidateSession(sessionId: string): Promise<void> {
  const pb = await getPocketBase();
  await pb
    .collection("sessions")
    .delete(sessionId)
    .catch((error) => {
      if (!isNotFound(error)) throw error;
    });
}

/** Ends one session of a user, only if it is theirs (the account page's "sign out"). */
export async function invalidateUserSession(userId: string, sessionId: string): Promise<boolean> {
  const pb = await getPocketBase();
  const found = await pb.collection("sessions").getList(1, 1, { filter: pb.filter("id = {:id} && user = {:user}", { id: sessionId, user: userId }) });
  if (found.items.length === 0) return false;
  await invalidateSession(sessionId);
  return true;
}

/** Ends every session of a user (sign out everywhere, password reset, account deletion). */
export async function invalidateUserSessions(userId: string): Promise<number> {
  const pb = await getPocketBase();
  const sessions = await pb.collection("sessions").getFullList({ filter: pb.filter("user = {:user}", { user: userId }), fields: "id" });
  if (sessions.length === 0) return 0;
  const batch = pb.createBatch();
  for (const s of sessions) batch.collection("sessions").delete(s.id);
  await batch.send();
  return sessions.length;
}

/**
 * Deletes every session that expired before `now`; returns how many. Expired sessions are
 * refused anyway, but they keep an IP address and a browser per sign-in for no purpose.
 */
export async function deleteExpiredSessions(now: Date = currentDate()): Promise<number> {
  const pb = await getPocketBase();
  const filter = pb.filter("expires_at < {:now}", { now: now.toISOString().replace("T", " ") });
  let deleted = 0;
  for (;;) {
    // Pages of 200 ids, each deleted in one batch transaction.
    const page = await pb.collection("sessions").getList(1, 200, { filter, fields: "id", skipTotal: true });
    if (page.items.length === 0) return deleted;
    const batch = pb.createBatch();
    for (const s of page.items) batch.collection("sessions").delete(s.id);
    await batch.send();
    deleted += page.items.length;
    if (page.items.length < 200) return deleted;
  }
}

let sweeper: NodeJS.Timeout | undefined;

/** Sweeps expired sessions now and then every `intervalMs` (hourly), once per process. */
export function ensureSessionSweeper(intervalMs = SESSION_SWEEP_INTERVAL_MS): void {
  if (sweeper) return;
  let reported = false;
  const sweep = () => {
    timedJob(
      "session-sweep",
      () => deleteExpiredSessions(),
      (deleted) => ({ deleted }),
    ).then(
      () => (reported = false),
      (error: unknown) => {
        // PocketBase down: say so once, try again at the next tick.
        if (!reported) console.error(`[sessions] sweeping expired sessions failed: ${error instanceof Error ? error.message : String(error)}`);
        reported = true;
      },
    );
  };
  sweeper = setInterval(sweep, intervalMs);
  sweeper.unref();
  sweep();
}

/** How often expired sessions are deleted. */
export const SESSION_SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/** The user's live sessions, most recently used first (for the account page). */
export async function listUserSessions(userId: string): Promise<SessionSummary[]> {
  const pb = await getPocketBase();
  const records = await pb.collection("sessions").getFullList({
    filter: pb.filter("user = {:user} && expires_at > {:now}", { user: userId, now: currentDate().toISOString().replace("T", " ") }),
    sort: "-last_verified_at",
    fields: "id,user_agent,ip,last_verified_at,created,expires_at",
  });
  return records.map((r) => ({
    id: r.id,
    userAgent: r.user_agent ?? "",
    ip: r.ip ?? "",
    lastSeen: String(r.last_verified_at || r.created),
    created: String(r.created),
  }));
}

/** True when cookies must carry `Secure`: everywhere except plain-HTTP localhost. */
export function cookieIsSecure(url: URL): boolean {
  return !(url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname));
}

// Secure unless both the request's URL and the site's public address are plain-HTTP
// loopback. The request URL alone is not enough: Astro's node adapter builds it from the
// socket's protocol and the Host header, so behind a TLS proxy that forwards to
// 127.0.0.1 (nginx's default Host) it reads http://127.0.0.1 (issue 10 §4).

/** Sets the session cookie: HttpOnly, SameSite=Lax, Path=/, Secure unless the site is plain-HTTP localhost. */
export function setSessionCookie(cookies: AstroCookies, url: URL, token: string, expiresAt: Date, publicUrl: string = getConfig().publicUrl): void {
  cookies.set(SESSION_COOKIE, token, { httpOnly: true, sameSite: "lax", path: "/", secure: secureCookie(url, publicUrl), expires: expiresAt });
}

/** Removes the session cookie. */
export function deleteSessionCookie(cookies: AstroCookies, url: URL, publicUrl: string = getConfig().publicUrl): void {
  cookies.set(SESSION_COOKIE, "", { httpOnly: true, sameSite: "lax", path: "/", secure: secureCookie(url, publicUrl), maxAge: 0 });
}

function secureCookie(url: URL, publicUrl: string): boolean {
  return cookieIsSecure(url) || cookieIsSecure(new URL(publicUrl));
}

/** A freshly created session and the token to put in the cookie. */
export type NewSession = { id: string; token: string; expiresAt: Date };
/** A valid session with its user; `newToken` is set when the cookie must be rewritten. */
export type SessionValidation = {
  session: { id: string; expiresAt: Date };
  actor: Actor;
  user: ReturnType<typeof toSessionUser>;
  newToken: string | null;
};
/** One line of the account page's session list. */
export type SessionSummary = { id: string; userAgent: string; ip: string; lastSeen: string; created: string };
