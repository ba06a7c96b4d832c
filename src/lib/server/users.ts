// Accounts: sign-up, e-mail verification, sign-in, password reset, profile, export and
// deletion. Passwords live in PocketBase's `users` auth collection; they are checked with
// a throwaway client, never the shared superuser one (DESIGN.md §5 invariant 4).
import { createHash, randomBytes } from "node:crypto";
import type PocketBase from "pocketbase";
import type { RecordModel } from "pocketbase";
import { z } from "zod";
import type { Locale } from "../../i18n/index.ts";
import { composeMail, mailLocale, sendMail } from "./mail.ts";
import { siteLink } from "./links.ts";
import { runInBackground } from "./background.ts";
import { checkPasswordStrength } from "./passwords.ts";
import { createThrowawayClient, getPocketBase, isNotFound } from "./pocketbase.ts";
import { peekTokenSubject, signToken, verifyToken } from "./tokens.ts";
import { say } from "../../i18n/domain.ts";

const VERIFY_TTL_MS = 48 * 60 * 60 * 1000;
const RESET_TTL_MS = 60 * 60 * 1000;

/** An e-mail address as people paste it: trimmed and lower-cased before it is checked (zod runs a format check
 * before a later `.trim()`, so " name@example.org " was refused), with one message for every way it can be wrong. */
export function addressField(message: string) {
  return z
    .string({ error: message })
    .trim()
    .toLowerCase()
    .pipe(z.email({ error: message }).max(254, { error: message }));
}

/** Sign-up form. */
export const signUpSchema = z.object({
  name: z
    .string()
    .trim()
    .min(2, { error: say("domain.signup.name") })
    .max(120, { error: say("domain.signup.name_long") }),
  email: addressField(say("domain.email.invalid")),
  password: z.string().min(1, { error: say("domain.password.choose") }),
  // Absent when the form did not offer a choice: then the sign-up page's language is kept.
  locale: z.enum(["en", "fr", "nl"]).optional(),
});
/** Password-reset request form. */
export const resetRequestSchema = z.object({ email: addressField(say("domain.signin.email")) });
/** Sign-in form. */
export const signInSchema = z.object({
  email: addressField(say("domain.signin.email")),
  password: z
    .string()
    .min(1, { error: say("domain.signin.password") })
    .max(256),
});
/** Profile form. */
export const profileSchema = z.object({
  name: z
    .string()
    .trim()
    .min(2, { error: say("domain.signup.name") })
    .max(120, { error: say("domain.signup.name_long") }),
  locale: z.enum(["en", "fr", "nl"], { error: say("domain.account.locale") }),
});

/** Loads a user with their active memberships, or null when the account is gone. */
export async function loadActor(userId: string): Promise<Actor | null> {
  const pb = await getPocketBase();
  let user: RecordModel;
  try {
    user = await pb.collection("users").getOne(userId);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  const memberships = await pb.collection("memberships").getFullList({
    filter: pb.filter("user = {:user} && status = 'active'", { user: userId }),
    expand: "organization",
    sort: "created",
  });
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    role: (user.role || "member") as Actor["role"],
    locale: (user.locale || "en") as Actor["locale"],
    verified: Boolean(user.verified),
    memberships: memberships.map((m) => ({
      organizationId: m.organization,
      organizationSlug: m.expand?.organization?.slug ?? "",
      organizationName: m.expand?.organization?.name ?? "",
      organizationVerified: Boolean(m.expand?.organization?.verified),
      organizationKind: m.expand?.organization?.kind ?? "other",
      role: m.role,
    })),
  };
}

/** A digest of everything that grants privileges; sessions are reissued when it changes. */
export function privilegeStamp(actor: Actor): string {
  const parts = [
    actor.role,
    actor.verified ? "v" : "u",
    ...actor.memberships.map((m) => `${m.organizationId}:${m.role}:${m.organizationVerified ? 1 : 0}`).sort(),
  ];
  return createHash("sha256").update(parts.join("|")).digest("hex").slice(0, 32);
}

/** The user fields the pages need (never the PocketBase record). */
export function toSessionUser(actor: Actor): SessionUser {
  return { id: actor.id, name: actor.name, email: actor.email, role: actor.role, locale: actor.locale };
}

/**
 * Creates an unverified account and mails a verification link. When the address is
 * already registered nothing is created, and that address gets a mail explaining how to
 * sign in or reset instead — so the form never reveals whether an address exists.
 */
export async function signUp(input: z.infer<typeof signUpSchema>, pageLocale?: Locale): Promise<SignUpResult> {
  const checked = checkSignUp(input);
  if (!checked.ok) return checked;
  await registerAccount(input, pageLocale);
  return { ok: true };
}

/**
 * The sign-up form's answer: the password is judged now (it does not depend on the
 * address), the rest runs after the response. Creating an account costs PocketBase a
 * password hash that an existing address would not, so doing it in the request would
 * tell who is registered by the time the answer takes (issue 9, finding 15).
 */
export function signUpInBackground(input: z.infer<typeof signUpSchema>, pageLocale?: Locale): SignUpResult {
  const checked = checkSignUp(input);
  if (checked.ok) runInBackground("sign-up", () => registerAccount(input, pageLocale));
  return checked;
}

/** Mails a reset link after the response, so the answer takes as long whether or not the address has an account. */
export function requestPasswordResetInBackground(email: string): void {
  runInBackground("password reset", () => requestPasswordReset(email));
}

function checkSignUp(input: z.infer<typeof signUpSchema>): SignUpResult {
  const strength = checkPasswordStrength(input.password, [input.name, ...input.email.split(/[@.]/)]);
  if (!strength.ok) return { ok: false, field: "password", reasons: strength.reasons, suggestions: strength.suggestions };
  return { ok: true };
}

// `pageLocale` is the sign-up page's interface language: the account's language when the
// form carried no choice, so that mails reach the new member in the language they signed up in.
async function registerAccount(input: z.infer<typeof signUpSchema>, pageLocale?: Locale): Promise<void> {
  const chosen = input.locale ?? pageLocale;
  const pb = await getPocketBase();
  const existing = await pb.collection("users").getList(1, 1, { filter: pb.filter("email = {:email}", { email: input.email }) });
  if (existing.items[0]) {
    const user = existing.items[0];
    const locale = mailLocale(user.locale, chosen);
    const mail = composeMail("account_exists", locale, { link: siteLink(locale, "/reset") });
    await sendMail({ to: user.email, subject: mail.subject, text: mail.text });
    // A new account costs PocketBase a password hash; pay the same here, so that even the
    // load this leaves behind does not tell the two apart.
    await burnPasswordCheck(pb);
    return;
  }
  const user = await pb.collection("users").create({
    email: input.email,
    emailVisibility: false,
    name: input.name,
    password: input.password,
    passwordConfirm: input.password,
    role: "member",
    // Empty (unknown) only when a caller gave neither; mails then carry all three languages.
    locale: chosen ?? "",
    verified: false,
  });
  await sendVerificationMail(user);
}

/** (Re)sends the verification link of an unverified account. */
export async function sendVerificationMail(user: RecordModel): Promise<void> {
  const token = signToken("verify_email", user.id, user.email, VERIFY_TTL_MS);
  const mail = composeMail("verify_email", user.locale || null, {
    name: user.name,
    link: siteLink(mailLocale(user.locale), `/verify?token=${encodeURIComponent(token)}`),
  });
  await sendMail({ to: user.email, subject: mail.subject, text: mail.text });
}

/** Marks the account of a valid verification token as verified. */
export async function verifyEmail(token: string): Promise<{ ok: true; userId: string } | { ok: false; reason: "invalid" | "expired" }> {
  const subject = peekTokenSubject(token);
  if (!subject) return { ok: false, reason: "invalid" };
  const pb = await getPocketBase();
  const user = await pb
    .collection("users")
    .getOne(subject)
    .catch(() => null);
  if (!user) return { ok: false, reason: "invalid" };
  const check = verifyToken("verify_email", token, user.email);
  if (!check.ok) return check;
  if (!user.verified) await pb.collection("users").update(user.id, { verified: true });
  return { ok: true, userId: user.id };
}

/**
 * Checks e-mail and password. The same answer, after the same work, for an unknown address
 * and a wrong password. PocketBase knows users by a secret `auth_key`, not their e-mail,
 * and only a superuser may sign them in (migration 1765000040): so the check is made with
 * the superuser's token, on a throwaway client whose auth store the answer may overwrite.
 */
export async function signIn(input: z.infer<typeof signInSchema>): Promise<{ ok: true; userId: string } | { ok: false; reason: "invalid" | "unverified" }> {
  const pb = await getPocketBase();
  const found = await pb.collection("users").getList(1, 1, { filter: pb.filter("email = {:email}", { email: input.email }), fields: "id,auth_key" });
  const user = found.items[0];
  if (!user) {
    // PocketBase's own stand-in check for an unknown identity costs less than a real one
    // (measured: ~60 ms less), which would tell who has an account. Pay for a real one.
    await burnPasswordCheck(pb);
    return { ok: false, reason: "invalid" };
  }
  const result = await checkPassword(pb, String(user.auth_key), input.password);
  if (!result) return { ok: false, reason: "invalid" };
  return result.verified ? { ok: true, userId: result.id } : { ok: false, reason: "unverified" };
}

// One password check by PocketBase as the superuser; null when the password is wrong.
async function checkPassword(pb: PocketBase, authKey: string, password: string): Promise<{ id: string; verified: boolean } | null> {
  const client = createThrowawayClient();
  client.authStore.save(pb.authStore.token, pb.authStore.record);
  try {
    const auth = await client.collection("users").authWithPassword(authKey, password);
    return { id: auth.record.id, verified: Boolean(auth.record.verified) };
  } catch (error) {
    if ((error as { status?: number }).status === 400) return null;
    throw error;
  } finally {
    client.authStore.clear();
  }
}

let decoy: { key: string; at: number } | undefined;

/**
 * Makes PocketBase compare a password that cannot match against a real account's hash: the
 * cost of a real check, without its outcome. Used where one case would otherwise skip the
 * check that the other pays for (unknown address at sign-in, existing address at sign-up).
 */
async function burnPasswordCheck(pb: PocketBase): Promise<void> {
  if (!decoy || Date.now() - decoy.at > 10 * 60_000) {
    const any = await pb.collection("users").getList(1, 1, { fields: "auth_key", skipTotal: true });
    decoy = { key: String(any.items[0]?.auth_key || randomBytes(24).toString("hex")), at: Date.now() };
  }
  // 192 random bits: this password matches nobody's.
  await checkPassword(pb, decoy.key, randomBytes(24).toString("base64url"));
}

/** Mails a reset link when the address has an account; silent otherwise. */
export async function requestPasswordReset(email: string): Promise<void> {
  const pb = await getPocketBase();
  const found = await pb.collection("users").getList(1, 1, { filter: pb.filter("email = {:email}", { email: email.trim().toLowerCase() }) });
  const user = found.items[0];
  if (!user) return;
  // Bound to `updated`: once the password changes, every earlier link stops working.
  const token = signToken("password_reset", user.id, String(user.updated), RESET_TTL_MS);
  const mail = composeMail("password_reset", user.locale || null, {
    name: user.name,
    link: siteLink(mailLocale(user.locale), `/reset?token=${encodeURIComponent(token)}`),
  });
  await sendMail({ to: user.email, subject: mail.subject, text: mail.text });
}

/** True when a reset token is still usable (to show the form or an explanation). */
export async function checkResetToken(token: string): Promise<{ ok: true; userId: string } | { ok: false; reason: "invalid" | "expired" }> {
  const subject = peekTokenSubject(token);
  if (!subject) return { ok: false, reason: "invalid" };
  const pb = await getPocketBase();
  const user = await pb
    .collection("users")
    .getOne(subject)
    .catch(() => null);
  if (!user) return { ok: false, reason: "invalid" };
  const check = verifyToken("password_reset", token, String(user.updated));
  return check.ok ? { ok: true, userId: user.id } : check;
}

/** Sets a new password from a reset link, verifies the address, and ends every session. */
export async function resetPassword(token: string, password: string): Promise<ResetResult> {
  const check = await checkResetToken(token);
  if (!check.ok) return check;
  const pb = await getPocketBase();
  const user = await pb.collection("users").getOne(check.userId);
  const strength = checkPasswordStrength(password, [user.name, ...String(user.email).split(/[@.]/)]);
  if (!strength.ok) return { ok: false, reason: "weak", reasons: strength.reasons, suggestions: strength.suggestions };
  await pb.collection("users").update(user.id, { password, passwordConfirm: password, verified: true });
  const { invalidateUserSessions } = await import("./session.ts");
  await invalidateUserSessions(user.id);
  const mail = composeMail("password_changed", user.locale || null, { name: user.name });
  await sendMail({ to: user.email, subject: mail.subject, text: mail.text });
  return { ok: true, userId: user.id };
}

/** Updates the account's name and interface language. */
export async function updateProfile(userId: string, input: z.infer<typeof profileSchema>): Promise<void> {
  const pb = await getPocketBase();
  await pb.collection("users").update(userId, { name: input.name, locale: input.locale });
}

/** Everything the platform keeps about a person, as one JSON document (GDPR access). */
export async function exportMyData(userId: string): Promise<Record<string, unknown>> {
  const pb = await getPocketBase();
  const user = await pb.collection("users").getOne(userId);
  const byUser = pb.filter("user = {:user}", { user: userId });
  const [memberships, sessions, posts, flags] = await Promise.all([
    pb.collection("memberships").getFullList({ filter: byUser, expand: "organization" }),
    pb.collection("sessions").getFullList({ filter: byUser }),
    pb.collection("posts").getFullList({ filter: pb.filter("author = {:user}", { user: userId }) }),
    pb.collection("flags").getFullList({ filter: pb.filter("reporter = {:user}", { user: userId }) }),
  ]);
  return {
    format: "casebook-account-export/1",
    exportedAt: new Date().toISOString(),
    account: { id: user.id, name: user.name, email: user.email, role: user.role, locale: user.locale, verified: user.verified, created: user.created },
    memberships: memberships.map((m) => ({
      organization: m.expand?.organization?.name,
      organizationSlug: m.expand?.organization?.slug,
      role: m.role,
      status: m.status,
      since: m.created,
    })),
    sessions: sessions.map((s) => ({ created: s.created, lastSeen: s.last_verified_at, expires: s.expires_at, userAgent: s.user_agent, ip: s.ip })),
    posts: posts.map((p) => ({
      slug: p.slug,
      kind: p.kind,
      title: p.title,
      status: p.status,
      anonymous: p.anonymous,
      language: p.language,
      created: p.created,
      publishedAt: p.published_at,
      summary: p.summary,
      body: p.body_md,
      lessons: p.lessons_md,
    })),
    flags: flags.map((f) => ({ post: f.post, reason: f.reason, note: f.note, status: f.status, created: f.created })),
  };
}

/**
 * Erases an account. Published posts stay, credited to "former member" (author removed),
 * or are withdrawn when the person asks; unpublished work is deleted. Refused while the
 * person is the last admin of an organisation.
 */
export async function deleteAccount(
  userId: string,
  publishedPosts: "keep" | "withdraw",
  pageLocale: Locale = "en",
): Promise<{ ok: true; kept: number; withdrawn: number; deleted: number } | { ok: false; reason: "last_admin"; organizations: string[] }> {
  const pb = await getPocketBase();
  const actor = await loadActor(userId);
  if (!actor) return { ok: true, kept: 0, withdrawn: 0, deleted: 0 };
  const lastAdminOf: string[] = [];
  for (const m of actor.memberships.filter((m) => m.role === "admin")) {
    const admins = await pb.collection("memberships").getList(1, 1, {
      filter: pb.filter("organization = {:org} && role = 'admin' && status = 'active' && user != {:user}", { org: m.organizationId, user: userId }),
    });
    if (admins.totalItems === 0) lastAdminOf.push(m.organizationName);
  }
  if (lastAdminOf.length) return { ok: false, reason: "last_admin", organizations: lastAdminOf };

  // The confirmation's language: the account's own, else the page's it was deleted from (loadActor reads a missing one as English).
  const confirmationLocale = mailLocale((await pb.collection("users").getOne(userId, { fields: "locale" })).locale, pageLocale);
  const posts = await pb.collection("posts").getFullList({ filter: pb.filter("author = {:user}", { user: userId }), fields: "id,status" });
  const batch = pb.createBatch();
  for (const post of posts) {
    if (post.status === "published" || post.status === "hidden") {
      if (publishedPosts === "withdraw") {
        batch.collection("posts").update(post.id, { author: "", status: "withdrawn" });
        batch.collection("moderation_events").create({
          post: post.id,
          action: "withdraw",
          from_status: post.status,
          to_status: "withdrawn",
          note: "Author deleted their account and withdrew their posts.",
        });
        batch.collection("search_outbox").create({ record: post.id, collection_name: "posts", op: "delete", attempts: 0 });
      } else {
        batch.collection("posts").update(post.id, { author: "" });
      }
    } else {
      batch.collection("posts").delete(post.id);
    }
  }
  // Sessions, memberships and flags go with the user (cascade); one transaction for all.
  batch.collection("users").delete(userId);
  await batch.send();
  const published = posts.filter((p) => p.status === "published" || p.status === "hidden").length;
  const summary = {
    kept: publishedPosts === "keep" ? published : 0,
    withdrawn: publishedPosts === "withdraw" ? published : 0,
    deleted: posts.length - published,
  };
  // The confirmation goes to the address the account had: the person may not see the page.
  const mail = composeMail("account_deleted", confirmationLocale, {
    kept: String(summary.kept),
    withdrawn: String(summary.withdrawn),
    deleted: String(summary.deleted),
  });
  // The account is gone whatever the mail server says: a failed mail must not report a failed deletion.
  await sendMail({ to: actor.email, subject: mail.subject, text: mail.text }).catch((error: unknown) =>
    console.error(`[account] deletion confirmation not sent: ${error instanceof Error ? error.message : String(error)}`),
  );
  return { ok: true, ...summary };
}

/** A signed-in person with their active memberships: what `can()` decides on. */
export type Actor = {
  id: string;
  name: string;
  email: string;
  role: "member" | "moderator" | "admin";
  locale: "en" | "fr" | "nl";
  verified: boolean;
  memberships: {
    organizationId: string;
    organizationSlug: string;
    organizationName: string;
    organizationVerified: boolean;
    organizationKind: string;
    role: "member" | "editor" | "dpo" | "admin";
  }[];
};

/** The signed-in user as pages see it. */
export type SessionUser = {
  id: string;
  name: string;
  email: string;
  role: "member" | "moderator" | "admin";
  locale: "en" | "fr" | "nl";
};

/** Result of a sign-up attempt. */
export type SignUpResult = { ok: true } | { ok: false; field: "password"; reasons: string[]; suggestions: string[] };
/** Result of a password reset. */
export type ResetResult =
  | { ok: true; userId: string }
  | { ok: false; reason: "invalid" | "expired" }
  | { ok: false; reason: "weak"; reasons: string[]; suggestions: string[] };
