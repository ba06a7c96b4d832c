// Expiry on the domain's clock (issue 10 §3): e-mail links, invitations and sessions are
// accepted up to their expiry and refused just after it, and a session is renewed at most
// hourly — checked by moving the injected clock (src/lib/server/clock.ts), never by waiting.
// The lifetimes are restated here as the policy they are, so a longer one fails too.
import type PocketBase from "pocketbase";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { setClock } from "../../src/lib/server/clock.ts";
import { ValidationError } from "../../src/lib/server/errors.ts";
import { TRUST_MEMBERSHIP_DAYS, isTrustedReporter } from "../../src/lib/server/flags.ts";
import { findLatestMail } from "../../src/lib/server/mail.ts";
import { acceptInvitation, inviteMember, peekInvitation } from "../../src/lib/server/orgs.ts";
import { SESSION_LIFETIME_MS, createSession, validateSessionToken } from "../../src/lib/server/session.ts";
import { checkResetToken, loadActor, requestPasswordReset, resetPassword, signIn, signUp, verifyEmail, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, unique, useTestPocketBase } from "./setup.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let pb: PocketBase;
beforeAll(async () => {
  pb = await useTestPocketBase();
});
afterEach(() => setClock(null));

/** Stops the clock at a whole second near the real time (links carry their expiry in seconds) and returns a setter relative to it. */
function freezeClock(): { start: number; at: (offsetMs: number) => void } {
  const start = Math.ceil(Date.now() / SECOND) * SECOND;
  setClock(() => start);
  return { start, at: (offset) => setClock(() => start + offset) };
}

function tokenFrom(text: string | undefined, path: string): string {
  const match = text?.match(new RegExp(`https?://\\S+${path}\\?\\S+`));
  if (!match) throw new Error(`no ${path} link in mail:\n${text}`);
  return new URL(match[0]).searchParams.get("token")!;
}

async function actorOf(id: string): Promise<Actor> {
  return (await loadActor(id))!;
}

describe("e-mail links expire", () => {
  it("a verification link works for 48 hours and not a millisecond longer", async () => {
    const clock = freezeClock();
    const email = `${unique("verify")}@example.test`;
    const password = "lantern orchard gravel synonym";
    expect(await signUp({ name: "Vera Test", email, password, locale: "en" })).toEqual({ ok: true });
    const token = tokenFrom((await findLatestMail(email))?.text, "/verify");

    clock.at(48 * HOUR + 1);
    expect(await verifyEmail(token)).toEqual({ ok: false, reason: "expired" });
    expect(await signIn({ email, password })).toEqual({ ok: false, reason: "unverified" });

    clock.at(48 * HOUR);
    expect(await verifyEmail(token)).toMatchObject({ ok: true });
    expect(await signIn({ email, password })).toMatchObject({ ok: true });
  });

  it("a password-reset link works for one hour and not a millisecond longer", async () => {
    const clock = freezeClock();
    const user = await createUser(pb);
    await requestPasswordReset(user.email);
    const token = tokenFrom((await findLatestMail(user.email))?.text, "/reset");

    clock.at(HOUR + 1);
    expect(await checkResetToken(token)).toEqual({ ok: false, reason: "expired" });
    expect(await resetPassword(token, "copper meadow violin tundra")).toEqual({ ok: false, reason: "expired" });
    expect(await signIn({ email: user.email, password: user.password })).toMatchObject({ ok: true });

    clock.at(HOUR);
    expect(await checkResetToken(token)).toEqual({ ok: true, userId: user.id });
    expect(await resetPassword(token, "copper meadow violin tundra")).toMatchObject({ ok: true });
    expect(await signIn({ email: user.email, password: "copper meadow violin tundra" })).toMatchObject({ ok: true });
  });
});

describe("invitations expire", () => {
  it("an invitation is accepted up to 7 days after it was sent and refused after", async () => {
    const clock = freezeClock();
    const admin = await createUser(pb);
    const org = await createOrganization(pb, [{ userId: admin.id, role: "admin" }]);
    const late = await createUser(pb);
    const onTime = await createUser(pb);
    await inviteMember(await actorOf(admin.id), org.id, late.email, "editor");
    const lateToken = tokenFrom((await findLatestMail(late.email))?.text, "/invitations/accept");
    await inviteMember(await actorOf(admin.id), org.id, onTime.email, "editor");
    const onTimeToken = tokenFrom((await findLatestMail(onTime.email))?.text, "/invitations/accept");

    clock.at(7 * DAY + SECOND);
    expect(await peekInvitation(lateToken)).toMatchObject({ status: "expired" });
    const refused = acceptInvitation(await actorOf(late.id), { token: lateToken });
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toThrow("This invitation has expired; ask for a new one.");
    expect((await actorOf(late.id)).memberships).toEqual([]);

    clock.at(7 * DAY - SECOND);
    expect(await peekInvitation(onTimeToken)).toMatchObject({ status: "pending" });
    await acceptInvitation(await actorOf(onTime.id), { token: onTimeToken });
    expect((await actorOf(onTime.id)).memberships).toEqual([expect.objectContaining({ organizationId: org.id, role: "editor" })]);
  });
});

describe("sessions expire and slide", () => {
  it("lasts 30 days without use", () => {
    expect(SESSION_LIFETIME_MS).toBe(30 * DAY);
  });

  it("is valid up to its expiry, refused and deleted after it", async () => {
    const clock = freezeClock();
    const user = await createUser(pb);
    const before = await createSession(user.id);
    const after = await createSession(user.id);
    expect(before.expiresAt.getTime()).toBe(clock.start + 30 * DAY);

    clock.at(30 * DAY + 1);
    expect(await validateSessionToken(after.token)).toBeNull();
    await expect(pb.collection("sessions").getOne(after.id)).rejects.toMatchObject({ status: 404 });

    clock.at(30 * DAY - 1);
    expect((await validateSessionToken(before.token))?.user.id).toBe(user.id);
  });

  it("is renewed (a write, a fresh 30 days) only once an hour has passed since the last renewal", async () => {
    const clock = freezeClock();
    const user = await createUser(pb);
    const session = await createSession(user.id);
    const stored = async () => {
      const r = await pb.collection("sessions").getOne(session.id);
      return { expires: Date.parse(r.expires_at.replace(" ", "T")), verified: Date.parse(r.last_verified_at.replace(" ", "T")), updated: r.updated };
    };
    const initial = await stored();
    expect(initial).toMatchObject({ expires: clock.start + 30 * DAY, verified: clock.start });

    clock.at(HOUR - SECOND);
    const early = await validateSessionToken(session.token);
    expect(early).toMatchObject({ newToken: null, session: { expiresAt: new Date(clock.start + 30 * DAY) } });
    expect(await stored()).toEqual(initial);

    clock.at(HOUR);
    const renewed = await validateSessionToken(session.token);
    expect(renewed).toMatchObject({ newToken: session.token, session: { expiresAt: new Date(clock.start + HOUR + 30 * DAY) } });
    expect(await stored()).toMatchObject({ expires: clock.start + HOUR + 30 * DAY, verified: clock.start + HOUR });

    clock.at(2 * HOUR - SECOND);
    expect(await validateSessionToken(session.token)).toMatchObject({ newToken: null });
    expect(await stored()).toMatchObject({ expires: clock.start + HOUR + 30 * DAY });

    // Sliding: past the first expiry, the renewed session still holds; past the renewed one it does not.
    clock.at(30 * DAY + MINUTE);
    expect((await validateSessionToken(session.token))?.user.id).toBe(user.id);
    clock.at(30 * DAY + MINUTE + 30 * DAY + 1);
    expect(await validateSessionToken(session.token)).toBeNull();
  });
});

describe("the flag trust rule reads the domain clock", () => {
  it(`trusts a member of a verified organisation once ${TRUST_MEMBERSHIP_DAYS} days have passed, not a day before`, async () => {
    const member = await createUser(pb);
    await createOrganization(pb, [{ userId: member.id, role: "member" }]);
    const actor = await actorOf(member.id);
    expect(TRUST_MEMBERSHIP_DAYS).toBe(30);
    setClock(() => Date.now() + 29 * DAY);
    expect(await isTrustedReporter(actor)).toBe(false);
    setClock(() => Date.now() + 30 * DAY + MINUTE);
    expect(await isTrustedReporter(actor)).toBe(true);
  });
});
