// Leases in PocketBase (issue 16 §6): with several site processes on one PocketBase, one drains
// each outbox at a time, a crashed holder's lease runs out and another takes over, and a
// scheduled job runs once per period. Other processes are played by other holder names (the
// lease lives entirely in PocketBase, so a name is all that tells processes apart); time moves
// on the domain's clock, never by waiting out a lease.
import type PocketBase from "pocketbase";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { setClock } from "../../src/lib/server/clock.ts";
import { PROCESS_ID, acquireLease, claimPeriod, createLeaseKeeper, leaseHolder, releaseLease } from "../../src/lib/server/leases.ts";
import { metricsText } from "../../src/lib/server/observability.ts";
import { OUTBOX_LEASE_MS, ensureSearchWorker, getOutboxBacklog, startOutboxWorker, stopOutboxWorker } from "../../src/lib/server/search/outbox.ts";
import { resetShutdownForTests, runShutdownHooks } from "../../src/lib/server/shutdown.ts";
import { runScheduledReminders } from "../../src/lib/server/roundtables/reminders.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { caseStudyInput, drainAll, publishThroughModeration, search, useTestSearch, word } from "./search-helpers.ts";
import { createOrganization, createUser, unique, useTestPocketBase } from "./setup.ts";

const SECOND = 1000;
let pb: PocketBase;
let start = 0;
const at = (offsetMs: number) => setClock(() => start + offsetMs);

beforeAll(async () => {
  pb = await useTestPocketBase();
});
afterEach(() => setClock(null));

async function generations(name: string): Promise<{ generation: number; holder: string }[]> {
  const rows = await pb.collection("leases").getFullList({ filter: pb.filter("name = {:name}", { name }), sort: "generation" });
  return rows.map((r) => ({ generation: r.generation as number, holder: r.holder as string }));
}

describe("acquireLease", () => {
  it("gives a free lease to the first process and refuses the others while it runs", async () => {
    start = Date.now();
    at(0);
    const name = unique("lease");
    const a = await acquireLease(name, 15 * SECOND, "host-a:1:aa");
    expect(a).toMatchObject({ name, generation: 0, holder: "host-a:1:aa", until: start + 15 * SECOND });
    at(14 * SECOND);
    expect(await acquireLease(name, 15 * SECOND, "host-b:2:bb")).toBeNull();
    expect(await leaseHolder(name)).toBe("host-a:1:aa");
  });

  it("lets its holder extend it in place while a third is left, and makes it compete for a new generation after that", async () => {
    start = Date.now();
    at(0);
    const name = unique("lease");
    await acquireLease(name, 15 * SECOND, "host-a:1:aa");
    at(9 * SECOND); // 6 s left: more than a third
    expect(await acquireLease(name, 15 * SECOND, "host-a:1:aa")).toMatchObject({ generation: 0, until: start + 24 * SECOND });
    at(20 * SECOND); // 4 s left: no extension in place, a new generation
    expect(await acquireLease(name, 15 * SECOND, "host-a:1:aa")).toMatchObject({ generation: 1, until: start + 35 * SECOND });
    // The generation it replaced is gone: the table does not grow with every renewal.
    expect(await generations(name)).toEqual([{ generation: 1, holder: "host-a:1:aa" }]);
  });

  it("passes a crashed holder's lease to another process once it has run out, and not before", async () => {
    start = Date.now();
    at(0);
    const name = unique("lease");
    await acquireLease(name, 15 * SECOND, "host-a:1:aa");
    at(15 * SECOND - 1);
    expect(await acquireLease(name, 15 * SECOND, "host-b:2:bb")).toBeNull();
    at(15 * SECOND + 1);
    expect(await acquireLease(name, 15 * SECOND, "host-b:2:bb")).toMatchObject({ generation: 1, holder: "host-b:2:bb" });
    // The old holder, back from a pause, cannot take it back.
    expect(await acquireLease(name, 15 * SECOND, "host-a:1:aa")).toBeNull();
    expect(await leaseHolder(name)).toBe("host-b:2:bb");
  });

  it("hands a released lease to the next process at once", async () => {
    start = Date.now();
    at(0);
    const name = unique("lease");
    const a = (await acquireLease(name, 15 * SECOND, "host-a:1:aa"))!;
    at(1 * SECOND);
    await releaseLease(a);
    expect(await leaseHolder(name)).toBeNull();
    expect(await acquireLease(name, 15 * SECOND, "host-b:2:bb")).toMatchObject({ holder: "host-b:2:bb" });
    // Releasing a lease one no longer holds changes nothing.
    await releaseLease(a);
    expect(await leaseHolder(name)).toBe("host-b:2:bb");
  });

  it("gives a free lease to exactly one of twelve processes asking at the same moment", async () => {
    const name = unique("lease");
    const holders = Array.from({ length: 12 }, (_, i) => `host-${i}:${i}:race`);
    const results = await Promise.all(holders.map((h) => acquireLease(name, 15 * SECOND, h)));
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    expect(await leaseHolder(name)).toBe(winners[0]!.holder);
  });

  it("gives an expired lease to exactly one of twelve processes taking it over at once", async () => {
    start = Date.now();
    at(0);
    const name = unique("lease");
    await acquireLease(name, 15 * SECOND, "host-crashed:1:cc");
    at(16 * SECOND);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => acquireLease(name, 15 * SECOND, `host-${i}:${i}:take`)));
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect((await generations(name)).at(-1)?.generation).toBe(1);
  });
});

describe("createLeaseKeeper", () => {
  it("looks again at another process's lease only every third of it, but at once after being stopped and started", async () => {
    start = Date.now();
    at(0);
    const name = unique("keeper");
    const other = (await acquireLease(name, 15 * SECOND, "host-b:2:bb"))!;
    const keeper = createLeaseKeeper(name, 15 * SECOND);
    expect(await keeper.hold()).toBe(false);
    await releaseLease(other);
    at(SECOND);
    // Free now, but the keeper does not ask PocketBase again until a third of the lease has passed…
    expect(await keeper.hold()).toBe(false);
    // …unless its loop was stopped in between: a worker started again takes a free lease at once.
    await keeper.release();
    expect(await keeper.hold()).toBe(true);
    expect(await leaseHolder(name)).toBe(PROCESS_ID);
    await keeper.release();
    expect(await leaseHolder(name)).toBeNull();
  });
});

describe("claimPeriod", () => {
  it("lets one of eight processes run a scheduled job's period, and only once", async () => {
    const job = unique("job");
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => claimPeriod(job, "2026-12-03T17", `host-${i}:${i}:job`)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    // The same process a second later (its timer fired twice), or another one: no second run.
    expect(await claimPeriod(job, "2026-12-03T17", "host-0:0:job")).toBe(false);
    expect(await claimPeriod(job, "2026-12-03T17", PROCESS_ID)).toBe(false);
    // The next hour is a new period.
    expect(await claimPeriod(job, "2026-12-03T18", PROCESS_ID)).toBe(true);
  });
});

describe("the hourly round-table reminder run", () => {
  it("runs once for an hour however many processes' timers fire, and again the next hour", async () => {
    // An hour far from today's, so no other run has claimed it.
    const hour = new Date(Date.UTC(2031, 0, 1 + Math.floor(Math.random() * 300), Math.floor(Math.random() * 24)));
    const runs = await Promise.all([runScheduledReminders(hour), runScheduledReminders(hour), runScheduledReminders(hour)]);
    expect(runs.filter((r) => r !== null)).toHaveLength(1);
    expect(await runScheduledReminders(hour)).toBeNull();
    expect(await runScheduledReminders(new Date(hour.getTime() + 60 * 60 * SECOND))).not.toBeNull();
  });
});

describe("the search outbox worker under a lease", () => {
  let editor: Actor;
  let moderator: Actor;
  let orgId: string;
  let search_: ReturnType<typeof useTestSearch>;

  beforeAll(async () => {
    const user = await createUser(pb);
    orgId = (await createOrganization(pb, [{ userId: user.id, role: "editor" }])).id;
    editor = (await loadActor(user.id))!;
    moderator = (await loadActor((await createUser(pb, { role: "moderator" })).id))!;
    search_ = useTestSearch();
    // Rows other files left behind go first, so the backlog below is this test's.
    await drainAll();
  });
  afterAll(async () => {
    await stopOutboxWorker();
    await search_.dispose();
  });

  it("leaves the outbox alone while another process drains it, takes over when that lease runs out, and hands it back when stopped", async () => {
    start = Date.now();
    at(0);
    await acquireLease("outbox:search", OUTBOX_LEASE_MS, "host-other:7:oo");
    const w = word();
    const id = await publishThroughModeration(editor, moderator, caseStudyInput(orgId, w));
    startOutboxWorker({ intervalMs: 50 });
    await new Promise((r) => setTimeout(r, 1500));
    // Thirty rounds of the loop later: not applied here, the other process holds the outbox.
    expect((await search(w)).total).toBe(0);
    expect(await getOutboxBacklog()).toBeGreaterThanOrEqual(1);

    // The other process died: its lease runs out and this one takes the outbox over.
    at(OUTBOX_LEASE_MS + SECOND);
    let found: string[] = [];
    for (let i = 0; i < 100 && found.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      found = (await search(w)).hits.map((h) => h.id);
    }
    expect(found).toEqual([id]);
    expect(await leaseHolder("outbox:search")).toBe(PROCESS_ID);

    await stopOutboxWorker();
    expect(await leaseHolder("outbox:search")).toBeNull();
  });

  it("works through a backlog larger than one batch at once, not one batch per round", async () => {
    const words = [word(), word(), word()];
    const ids = [];
    for (const w of words) ids.push(await publishThroughModeration(editor, moderator, caseStudyInput(orgId, w)));
    // One row per drain and a minute between rounds: only going on at once after a full batch
    // makes the three posts searchable within the poll below.
    startOutboxWorker({ intervalMs: 60 * SECOND, limit: 1 });
    try {
      const found = async () => (await Promise.all(words.map(async (w) => (await search(w)).hits.map((h) => h.id)))).flat();
      await expect.poll(found, { timeout: 20 * SECOND, interval: 100 }).toEqual(ids);
    } finally {
      await stopOutboxWorker();
    }
  });

  it("ensureSearchWorker (the site's start) makes published posts searchable on its own, reports its backlog and stops at shutdown", async () => {
    const before = process.env.CASEBOOK_SEARCH_WORKER;
    delete process.env.CASEBOOK_SEARCH_WORKER;
    resetShutdownForTests();
    try {
      ensureSearchWorker();
      const w = word();
      const id = await publishThroughModeration(editor, moderator, caseStudyInput(orgId, w));
      await expect.poll(async () => (await search(w)).hits.map((h) => h.id), { timeout: 20 * SECOND, interval: 100 }).toEqual([id]);
      expect((await metricsText()).body).toMatch(/casebook_outbox_backlog\{[^}]*outbox="search"[^}]*\} 0/);
      expect(await leaseHolder("outbox:search")).toBe(PROCESS_ID);

      const steps = await runShutdownHooks();
      expect(steps).toContainEqual(expect.objectContaining({ name: "search outbox worker" }));
      expect(steps.every((s) => s.error === undefined)).toBe(true);
      // Stopped: the lease is handed back and a new post stays in the outbox.
      expect(await leaseHolder("outbox:search")).toBeNull();
      const later = word();
      await publishThroughModeration(editor, moderator, caseStudyInput(orgId, later));
      await new Promise((r) => setTimeout(r, 1000));
      expect((await search(later)).total).toBe(0);
    } finally {
      await stopOutboxWorker();
      resetShutdownForTests();
      if (before === undefined) delete process.env.CASEBOOK_SEARCH_WORKER;
      else process.env.CASEBOOK_SEARCH_WORKER = before;
    }
  });
});
