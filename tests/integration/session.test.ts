// Sessions as the Lucia guide describes: create, validate, renew, expire, revoke, and a
// new session when privileges change.
import PocketBase from "pocketbase";
import type { AstroCookies } from "astro";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
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
import { setClock } from "../../src/lib/server/clock.ts";
import { getConfig } from "../../src/lib/server/config.ts";
import { metricsText } from "../../src/lib/server/observability.ts";
import { setPocketBase } from "../../src/lib/server/pocketbase.ts";
import { createOrganization, createUser, useTestPocketBase } from "./setup.ts";

// A fresh copy of session.ts alone (its constants and the process's sweeper, evaluated anew), over the
// modules every test shares: a query makes it another module. Not vi.resetModules(), which would
// load users.ts and the rest again too, inside a test.
let copies = 0;
async function freshSessionModule(): Promise<typeof import("../../src/lib/server/session.ts")> {
  copies++;
  return (await import(
    `${new URL("../../src/lib/server/session.ts", import.meta.url).href}?copy=${copies}`
  )) as typeof import("../../src/lib/server/session.ts");
}

// How many `session-sweep` jobs this process has counted with `status` (ok or error).
async function sweepJobs(status: "ok" | "error"): Promise<number> {
  const line = new RegExp(`^casebook_jobs_total\\{job="session-sweep",status="${status}"\\} (\\d+)$`, "m");
  return Number(line.exec((await metricsText()).body)?.[1] ?? 0);
}

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

  it("replaces the session when a membership's role, the account's or the organisation's verification changes", async () => {
    const user = await createUser(pb, { verified: false });
    const org = await createOrganization(pb, [{ userId: user.id, role: "member" }], { verified: false, verification_status: "pending" });
    const membership = await pb.collection("memberships").getFirstListItem(pb.filter("user = {:u}", { u: user.id }));
    const changes: [string, () => Promise<unknown>][] = [
      ["made the organisation's admin", () => pb.collection("memberships").update(membership.id, { role: "admin" })],
      ["organisation verified", () => pb.collection("organizations").update(org.id, { verified: true, verification_status: "verified" })],
      ["address verified", () => pb.collection("users").update(user.id, { verified: true })],
    ];
    for (const [name, change] of changes) {
      const session = await createSession(user.id);
      await change();
      const valid = await validateSessionToken(session.token);
      expect(valid?.newToken, name).toMatch(/^[a-z0-9]{15}\.[\w-]{32}$/);
      expect(await validateSessionToken(session.token), name).toBeNull();
    }
  });

  it("ends with the account: deleting the user deletes its sessions", async () => {
    const user = await createUser(pb);
    const session = await createSession(user.id);
    await pb.collection("users").delete(user.id);
    expect(await validateSessionToken(session.token)).toBeNull();
  });
});

// Found by the integration mutation run over session.ts (issue 10 §7): what the account page
// lists, where a session ends to the millisecond, the sweep past its first page, the session a
// privilege change hands back. Equivalent survivors, left as they are: the id pattern's anchors,
// `!id || !secret`, the 64-character secret cap and the hash-length guard (each only saves a
// PocketBase request or a hash: the answer is null either way); `if (!actor)` after a found
// session (deleting a user deletes its sessions, so it is unreachable but for a race); `fields`
// and `skipTotal` (what PocketBase sends back, not what is answered). A PocketBase that cannot
// be reached during validation is an error, not "no session" (the middleware then keeps the
// cookie): tests/security/outage.test.ts, which this run does not execute.
describe("sessions, to the detail", () => {
  afterEach(() => setClock(null));

  it("end at their expiry instant: valid a millisecond before, gone at it", async () => {
    const user = await createUser(pb);
    const session = await createSession(user.id);
    // Ten minutes from now, too soon after its last use for a renewal to move it.
    const at = Date.now() + 10 * 60 * 1000 + 123;
    await pb.collection("sessions").update(session.id, { expires_at: new Date(at).toISOString(), last_verified_at: new Date().toISOString() });
    setClock(() => at - 1);
    expect((await validateSessionToken(session.token))?.session.id).toBe(session.id);
    setClock(() => at);
    expect(await validateSessionToken(session.token)).toBeNull();
    await expect(pb.collection("sessions").getOne(session.id)).rejects.toMatchObject({ status: 404 });
  });

  it("keep the browser and address they were opened from, cut to 500 and 64 characters, empty when unknown", async () => {
    const user = await createUser(pb);
    const long = await createSession(user.id, { userAgent: `Mozilla/5.0 ${"x".repeat(600)}`, ip: `2001:db8::${"1".repeat(70)}` });
    const unknown = await createSession(user.id);
    const stored = await pb.collection("sessions").getOne(long.id);
    expect(stored.user_agent).toBe(`Mozilla/5.0 ${"x".repeat(600)}`.slice(0, 500));
    expect(stored.ip).toBe(`2001:db8::${"1".repeat(70)}`.slice(0, 64));
    const bare = await pb.collection("sessions").getOne(unknown.id);
    expect([bare.user_agent, bare.ip]).toEqual(["", ""]);
  });

  it("are listed for their owner live only, most recently used first, with browser, address and last use", async () => {
    const user = await createUser(pb);
    const older = await createSession(user.id, { userAgent: "Firefox/140.0", ip: "203.0.113.7" });
    const newer = await createSession(user.id, { userAgent: "Safari/18.0", ip: "198.51.100.9" });
    const expired = await createSession(user.id, { userAgent: "Edge/120.0", ip: "192.0.2.1" });
    const hourAgo = new Date(Date.now() - 60 * 60 * 1000).toISOString();
    // Used two hours ago and ending in a minute: still live, and later today than now.
    await pb
      .collection("sessions")
      .update(older.id, { last_verified_at: new Date(Date.now() - 2 * 60 * 60 * 1000).toISOString(), expires_at: new Date(Date.now() + 60_000).toISOString() });
    await pb.collection("sessions").update(newer.id, { last_verified_at: hourAgo });
    // Expired a minute ago: later the same day than a filter that lost its date/time separator would see.
    await pb.collection("sessions").update(expired.id, { expires_at: new Date(Date.now() - 60_000).toISOString() });
    const listed = await listUserSessions(user.id);
    expect(listed.map((s) => [s.id, s.userAgent, s.ip])).toEqual([
      [newer.id, "Safari/18.0", "198.51.100.9"],
      [older.id, "Firefox/140.0", "203.0.113.7"],
    ]);
    expect(Date.parse(listed[0]!.lastSeen.replace(" ", "T"))).toBe(Date.parse(hourAgo));
  });

  it("are swept past the first 200 expired ones, and one expiring later the same day stays", async () => {
    const user = await createUser(pb);
    const live = await createSession(user.id);
    // Expires in a minute: still today, after `now` by the clock but before it as text if the
    // filter's date and time ran together.
    await pb.collection("sessions").update(live.id, { expires_at: new Date(Date.now() + 60_000).toISOString() });
    const past = new Date(Date.now() - 60 * 60 * 1000).toISOString();
    const ids: string[] = [];
    for (let chunk = 0; chunk < 205; chunk += 41) {
      const created = await Promise.all(
        Array.from({ length: 41 }, () =>
          pb.collection("sessions").create({ secret_hash: "0".repeat(64), user: user.id, expires_at: past, last_verified_at: past, privilege_stamp: "" }),
        ),
      );
      ids.push(...created.map((r) => r.id));
    }
    expect(await deleteExpiredSessions()).toBeGreaterThanOrEqual(205);
    const left = await pb.collection("sessions").getFullList({ filter: pb.filter("user = {:user}", { user: user.id }), fields: "id" });
    expect(left.map((r) => r.id)).toEqual([live.id]);
  });

  it("replaced for new privileges answer with the new session's id and a full lifetime", async () => {
    const user = await createUser(pb);
    const session = await createSession(user.id);
    await pb.collection("users").update(user.id, { role: "moderator" });
    const started = Date.now();
    const valid = await validateSessionToken(session.token);
    expect(valid?.session.id).toBe(valid?.newToken?.split(".")[0]);
    expect(valid?.session.id).not.toBe(session.id);
    expect(valid!.session.expiresAt.getTime()).toBeGreaterThanOrEqual(started + SESSION_LIFETIME_MS - 1000);
  });

  it("are swept up to the given instant and counted exactly: none expired deletes nothing, a second sweep finds none", async () => {
    // Instants in 1999–2000, before any session another test leaves in the shared PocketBase.
    const cutoff = new Date("2000-01-01T00:00:00.000Z");
    expect(await deleteExpiredSessions(cutoff)).toBe(0);
    const user = await createUser(pb);
    const make = (expires: string) =>
      pb.collection("sessions").create({ secret_hash: "0".repeat(64), user: user.id, expires_at: expires, last_verified_at: expires, privilege_stamp: "" });
    await Promise.all(["1999-06-01T00:00:00.000Z", "1999-12-31T23:59:58.000Z", "1999-12-31T23:59:59.999Z"].map(make));
    const after = await make("2000-01-01T00:00:01.000Z");
    expect(await deleteExpiredSessions(cutoff)).toBe(3);
    expect(await deleteExpiredSessions(cutoff)).toBe(0);
    const left = await pb.collection("sessions").getFullList({ filter: pb.filter("user = {:user}", { user: user.id }), fields: "id" });
    expect(left.map((r) => r.id)).toEqual([after.id]);
  });

  it("are swept by one timer per process however often the sweeper is asked for, each sweep counted as a job", async () => {
    // A fresh copy of the module: the process's sweeper may already run from another test. Job
    // log lines on for this test (they are off in tests), read from stdout.
    const config = getConfig();
    const logWas = config.log;
    config.log = "json";
    const fresh = await freshSessionModule();
    const lines: string[] = [];
    const write = process.stdout.write;
    vi.spyOn(process.stdout, "write").mockImplementation(function (this: NodeJS.WriteStream, ...args: Parameters<typeof write>) {
      if (String(args[0]).includes('"session-sweep"')) lines.push(String(args[0]));
      return write.apply(this, args);
    });
    const user = await createUser(pb);
    const expired = await createSession(user.id);
    await pb.collection("sessions").update(expired.id, { expires_at: new Date(Date.now() - 1000).toISOString() });
    const sweeps = () => sweepJobs("ok");
    const before = await sweeps();
    // Date too: the next sweep's time is read from the fake clock.
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    try {
      // The middleware asks on every request.
      fresh.ensureSessionSweeper();
      const started = Date.now();
      fresh.ensureSessionSweeper();
      fresh.ensureSessionSweeper();
      expect(vi.getTimerCount()).toBe(1);
      await vi.waitFor(async () => expect(await sweeps()).toBe(before + 1));
      // The job's log line says how many it deleted: at least the one expired above.
      const first = JSON.parse(lines[0]!) as { kind: string; job: string; status: string; deleted: number };
      expect(first).toMatchObject({ kind: "job", job: "session-sweep", status: "ok" });
      expect(first.deleted).toBeGreaterThanOrEqual(1);
      await expect(pb.collection("sessions").getOne(expired.id)).rejects.toMatchObject({ status: 404 });
      // Hourly (vi.waitFor moves the fake clock too: measured from the start).
      vi.advanceTimersToNextTimer();
      expect(Date.now() - started).toBe(60 * 60 * 1000);
      await vi.waitFor(async () => expect(await sweeps()).toBe(before + 2));
      // An hour on, sessions other tests left to expire within the hour may go too: a count, whatever it is.
      expect(JSON.parse(lines[1]!)).toMatchObject({ job: "session-sweep", status: "ok", deleted: expect.any(Number) });
    } finally {
      vi.clearAllTimers();
      vi.useRealTimers();
      vi.restoreAllMocks();
      config.log = logWas;
    }
  });

  it("say once that sweeping failed while PocketBase is down, however many sweeps fail, and again after it came back", async () => {
    const fresh = await freshSessionModule();
    const failed = () => sweepJobs("error");
    const before = await failed();
    // New clients for the domain, signed in, to PocketBase or to nobody (the test's own client is left as it is).
    const client = (url: string) => {
      const c = new PocketBase(url);
      c.autoCancellation(false);
      c.authStore.save(pb.authStore.token, pb.authStore.record);
      return c;
    };
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    // The domain's client pointed at a port nobody listens on.
    setPocketBase(client("http://127.0.0.1:9"));
    try {
      const said = () => errors.mock.calls.filter((c) => String(c[0]).startsWith("[sessions] sweeping expired sessions failed: "));
      fresh.ensureSessionSweeper(60_000);
      await vi.waitFor(async () => expect(await failed()).toBe(before + 1));
      for (let tick = 2; tick <= 4; tick++) {
        vi.advanceTimersByTime(60_000);
        await vi.waitFor(async () => expect(await failed()).toBe(before + tick));
      }
      // The job's own handler has run by the time the next one is counted: wait for the last's.
      await vi.waitFor(() => expect(said().length).toBeGreaterThanOrEqual(1));
      expect(said()).toHaveLength(1);
      // Back up: a sweep succeeds; down again: said again.
      const succeeded = await sweepJobs("ok");
      setPocketBase(client(pb.baseURL));
      vi.advanceTimersByTime(60_000);
      await vi.waitFor(async () => expect(await sweepJobs("ok")).toBe(succeeded + 1));
      setPocketBase(client("http://127.0.0.1:9"));
      vi.advanceTimersByTime(60_000);
      await vi.waitFor(() => expect(said()).toHaveLength(2));
    } finally {
      vi.clearAllTimers();
      vi.useRealTimers();
      vi.restoreAllMocks();
      setPocketBase(pb);
    }
  });

  it("last 30 days, are renewed once used after an hour, and travel in the casebook_session cookie", async () => {
    // A fresh copy of the module, so that these figures are read as the module states them.
    const fresh = await freshSessionModule();
    const DAY = 24 * 60 * 60 * 1000;
    const user = await createUser(pb);
    const t0 = Date.now();
    setClock(() => t0);
    try {
      const session = await fresh.createSession(user.id);
      expect(session.expiresAt.getTime()).toBe(t0 + 30 * DAY);
      setClock(() => t0 + 59 * 60 * 1000);
      expect((await fresh.validateSessionToken(session.token))?.newToken).toBeNull();
      setClock(() => t0 + 61 * 60 * 1000);
      const renewed = await fresh.validateSessionToken(session.token);
      expect(renewed?.newToken).toBe(session.token);
      expect(renewed?.session.expiresAt.getTime()).toBe(t0 + 61 * 60 * 1000 + 30 * DAY);
      const set: string[] = [];
      fresh.setSessionCookie(
        { set: (name: string) => set.push(name) } as unknown as AstroCookies,
        new URL("https://casebook.example.org/"),
        session.token,
        session.expiresAt,
      );
      expect(set).toEqual(["casebook_session"]);
    } finally {
      setClock(null);
    }
  });
});
