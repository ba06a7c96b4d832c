// Sessions as the Lucia guide describes: create, validate, renew, expire, revoke, and a
// new session when privileges change.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it, vi } from "vitest";
import {
  SESSION_LIFETIME_MS,
  SESSION_SWEEP_INTERVAL_MS,
  createSession,
  deleteExpiredSessions,
  ensureSessionSweeper,
  invalidateSession,
  invalidateUserSession,
  invalidateUserSessions,
  listUserSessions,
  validateSessionToken,
} from "../../src/lib/server/session.ts";
import { createUser, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
beforeAll(async () => {
  pb = await useTestPocketBase();
});

describe("sessions", () => {
  it("stores only a SHA-256 hash of the secret and validates the token", async () => {
    const user = await createUser(pb);
    const session = await createSession(user.id, { userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", ip: "127.0.0.1" });
    const [id, secret] = session.token.split(".");
    const record = await pb.collection("sessions").getOne(id!);
    expect(record.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(record)).not.toContain(secret);
    const valid = await validateSessionToken(session.token);
    expect(valid?.user.id).toBe(user.id);
    expect(valid?.newToken).toBeNull();
  });

  it.each([
    ["a wrong secret", (t: string) => `${t.split(".")[0]}.${"A".repeat(32)}`],
    ["an unknown id", () => `aaaaaaaaaaaaaaa.${"B".repeat(32)}`],
    ["no dot", (t: string) => t.replace(".", "")],
    ["extra parts", (t: string) => `${t}.x`],
    ["an injection attempt as id", (t: string) => `x' || '1'='1.${t.split(".")[1]}`],
  ])("refuses %s", async (_name, mutate) => {
    const user = await createUser(pb);
    const session = await createSession(user.id);
    expect(await validateSessionToken(mutate(session.token))).toBeNull();
  });

  it("renews the expiry when used after the renew interval (sliding expiry)", async () => {
    const user = await createUser(pb);
    const session = await createSession(user.id);
    const id = session.token.split(".")[0]!;
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
    const soon = new Date(Date.now() + 24 * 60 * 60 * 1000);
    await pb.collection("sessions").update(id, { last_verified_at: old.toISOString(), expires_at: soon.toISOString() });
    const valid = await validateSessionToken(session.token);
    expect(valid?.newToken).toBe(session.token);
    expect(valid!.session.expiresAt.getTime()).toBeGreaterThan(Date.now() + SESSION_LIFETIME_MS - 60_000);
    const record = await pb.collection("sessions").getOne(id);
    expect(new Date(record.expires_at.replace(" ", "T")).getTime()).toBeGreaterThan(soon.getTime());
  });

  it("refuses and deletes an expired session", async () => {
    const user = await createUser(pb);
    const session = await createSession(user.id);
    const id = session.token.split(".")[0]!;
    await pb.collection("sessions").update(id, { expires_at: new Date(Date.now() - 1000).toISOString() });
    expect(await validateSessionToken(session.token)).toBeNull();
    await expect(pb.collection("sessions").getOne(id)).rejects.toMatchObject({ status: 404 });
  });

  it("sweeps expired sessions away, on start and every hour, and keeps live ones (issue 9, #20)", async () => {
    const user = await createUser(pb);
    const expired = await createSession(user.id);
    const live = await createSession(user.id);
    await pb.collection("sessions").update(expired.id, { expires_at: new Date(Date.now() - 60_000).toISOString() });
    expect(await deleteExpiredSessions()).toBeGreaterThanOrEqual(1);
    await expect(pb.collection("sessions").getOne(expired.id)).rejects.toMatchObject({ status: 404 });
    expect((await pb.collection("sessions").getOne(live.id)).id).toBe(live.id);

    // The process's sweeper: one immediate sweep when it starts, then one per interval.
    const atStart = await createSession(user.id);
    await pb.collection("sessions").update(atStart.id, { expires_at: new Date(Date.now() - 1000).toISOString() });
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    try {
      ensureSessionSweeper(SESSION_SWEEP_INTERVAL_MS);
      await vi.waitFor(async () =>
        expect((await pb.collection("sessions").getList(1, 1, { filter: pb.filter("id = {:id}", { id: atStart.id }) })).totalItems).toBe(0),
      );
      expect((await pb.collection("sessions").getOne(live.id)).id).toBe(live.id);
      await pb.collection("sessions").update(live.id, { expires_at: new Date(Date.now() - 1000).toISOString() });
      vi.advanceTimersByTime(SESSION_SWEEP_INTERVAL_MS);
      await vi.waitFor(async () =>
        expect((await pb.collection("sessions").getList(1, 1, { filter: pb.filter("id = {:id}", { id: live.id }) })).totalItems).toBe(0),
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it("revokes one session, only the owner's, or all of them", async () => {
    const user = await createUser(pb);
    const other = await createUser(pb);
    const a = await createSession(user.id);
    const b = await createSession(user.id);
    const c = await createSession(user.id);
    expect((await listUserSessions(user.id)).map((s) => s.id).sort()).toEqual([a.id, b.id, c.id].sort());
    expect(await invalidateUserSession(other.id, a.id)).toBe(false);
    expect(await validateSessionToken(a.token)).not.toBeNull();
    expect(await invalidateUserSession(user.id, a.id)).toBe(true);
    expect(await validateSessionToken(a.token)).toBeNull();
    await invalidateSession(b.id);
    expect(await validateSessionToken(b.token)).toBeNull();
    const otherSession = await createSession(other.id);
    expect(await invalidateUserSessions(user.id)).toBe(1);
    expect(await validateSessionToken(c.token)).toBeNull();
    expect(await validateSessionToken(otherSession.token)).not.toBeNull();
  });

  it("replaces the session when the user's privileges change (no fixation across privileges)", async () => {
    const user = await createUser(pb);
    const session = await createSession(user.id);
    await pb.collection("users").update(user.id, { role: "moderator" });
    const valid = await validateSessionToken(session.token);
    expect(valid?.user.role).toBe("moderator");
    expect(valid?.newToken).toMatch(/^[a-z0-9]{15}\.[\w-]{32}$/);
    expect(valid?.newToken).not.toBe(session.token);
    expect(await validateSessionToken(session.token)).toBeNull();
    expect(await validateSessionToken(valid!.newToken!)).not.toBeNull();
  });

  it("ends with the account: deleting the user deletes its sessions", async () => {
    const user = await createUser(pb);
    const session = await createSession(user.id);
    await pb.collection("users").delete(user.id);
    expect(await validateSessionToken(session.token)).toBeNull();
  });
});
