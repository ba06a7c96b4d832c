// Rate limits shared by several site processes (issue 16 §7, CASEBOOK_RATE_LIMITS=pocketbase):
// the counts live in PocketBase, so two limiter instances — two processes, as far as the
// limits can tell, since they share nothing but PocketBase — book into the same allowance,
// answer exactly as the in-memory limiter does on the same clock, and lose no attempt when
// they book at the same moment. The two-process sign-in scenario over HTTP is in
// tests/security/shared-limits.test.ts.
import type PocketBase from "pocketbase";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createRateLimiter, createSignInThrottle } from "../../src/lib/server/ratelimit.ts";
import { type SharedRateLimiter, createSharedRateLimiter, createSharedSignInThrottle } from "../../src/lib/server/sharedlimits.ts";
import { unique, useTestPocketBase } from "./setup.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
let pb: PocketBase;

afterEach(() => {
  vi.useRealTimers();
});

beforeAll(async () => {
  pb = await useTestPocketBase();
});

/** A clock the test moves: both limiters read it. */
function manualClock(start = Date.now()) {
  let time = start;
  return { now: () => time, advance: (ms: number) => (time += ms) };
}

describe("a shared token bucket", () => {
  it("answers as the in-memory bucket does, attempt for attempt, with two processes booking into one allowance", async () => {
    const clock = manualClock();
    const name = unique("bucket");
    const settings = { limit: 3, windowMs: HOUR, now: clock.now };
    const processA = createSharedRateLimiter(name, settings);
    const processB = createSharedRateLimiter(name, settings);
    const memory = createRateLimiter(settings);
    const key = "203.0.113.7";
    const steps: [typeof processA, number][] = [
      [processA, 0],
      [processB, 0],
      [processA, 0],
      [processB, 0], // the fourth attempt, whichever process takes it: refused
      [processA, 10 * MINUTE], // a third of the window refills one attempt
      [processB, 0],
      [processA, HOUR], // a whole window later: full again
    ];
    for (const [limiter, advance] of steps) {
      clock.advance(advance);
      expect(await limiter.consume(key)).toEqual(memory.consume(key));
    }
  });

  it("lets exactly five of twenty simultaneous attempts through a limit of five (no attempt lost between processes)", async () => {
    const name = unique("bucket");
    const processes = Array.from({ length: 4 }, () => createSharedRateLimiter(name, { limit: 5, windowMs: HOUR }));
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => processes[i % 4]!.consume("198.51.100.9")));
    expect(results.filter((r) => r.allowed)).toHaveLength(5);
    expect(results.filter((r) => !r.allowed).every((r) => r.retryAfterSeconds > 0)).toBe(true);
  });

  // The race behind six of twenty in one CI run: a process read the count, others booked on
  // top and deleted the version it had read, and its write of the next version — deleted by
  // then — went through on the stale count.
  it("refuses a slow process's attempt when others used up the allowance between its read and its write", async () => {
    const fastResults: boolean[] = [];
    const { slow } = slowBehind(async (fast) => {
      for (let i = 0; i < 3; i++) fastResults.push((await fast.consume("198.51.100.10")).allowed);
    });
    const slowResult = await slow.consume("198.51.100.10");
    expect(fastResults).toEqual([true, true, false]);
    expect(slowResult.allowed).toBe(false);
  });

  it("books again, rather than let through, an attempt whose write came more than half a minute after its read", async () => {
    const { slow } = slowBehind(async (fast) => {
      // The slow process stalls for eleven minutes: long enough for the versions it could
      // collide with to be deleted as old.
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(Date.now() + 11 * MINUTE);
      expect((await fast.consume("198.51.100.11")).allowed).toBe(true);
      expect((await fast.consume("198.51.100.11")).allowed).toBe(true);
    });
    expect((await slow.consume("198.51.100.11")).allowed).toBe(false);
  });

  it("keeps separate keys apart and stores neither the key nor the address in the table", async () => {
    const name = unique("bucket");
    const limiter = createSharedRateLimiter(name, { limit: 1, windowMs: HOUR });
    expect((await limiter.consume("192.0.2.1")).allowed).toBe(true);
    expect((await limiter.consume("192.0.2.1")).allowed).toBe(false);
    expect((await limiter.consume("192.0.2.2")).allowed).toBe(true);
    const rows = await pb.collection("rate_limits").getFullList({ fields: "key,state" });
    expect(JSON.stringify(rows)).not.toContain("192.0.2.");
    expect(JSON.stringify(rows)).not.toContain(name);
  });
});

describe("the shared sign-in throttle", () => {
  it("blocks a pair after five failures booked through two processes, as one process would, and frees it on a right password", async () => {
    const clock = manualClock();
    const account = `${unique("owner")}@example.test`;
    const address = "203.0.113.50";
    const a = createSharedSignInThrottle({ now: clock.now });
    const b = createSharedSignInThrottle({ now: clock.now });
    const memory = createSignInThrottle({ now: clock.now });
    for (let i = 0; i < 5; i++) {
      const process = i % 2 === 0 ? a : b;
      expect(await process.check(account, address)).toEqual({ allowed: true });
      await process.recordFailure(account, address);
      memory.recordFailure(account, address);
    }
    // The fifth failure blocks the pair for a minute in either process.
    expect(await a.check(account, address)).toEqual({ allowed: false, retryAfterSeconds: 60 });
    expect(await b.check(account, address)).toEqual(memory.check(account, address));
    // Another address is not affected: nobody locks the owner out by failing on purpose.
    expect(await b.check(account, "198.51.100.77")).toEqual({ allowed: true });
    clock.advance(MINUTE);
    expect(await b.check(account, address)).toEqual({ allowed: true });
    await a.recordFailure(account, address);
    memory.recordFailure(account, address);
    expect(await b.check(account, address)).toEqual({ allowed: false, retryAfterSeconds: 120 });
    expect(await a.check(account, address)).toEqual(memory.check(account, address));
    // The owner's right password (booked in one process) starts the pair afresh in the other.
    clock.advance(2 * MINUTE);
    await a.recordSuccess(account, address);
    await b.recordFailure(account, address);
    expect(await a.check(account, address)).toEqual({ allowed: true });
  });

  it("stops an address that fails on thirty accounts within a quarter of an hour, across processes", async () => {
    const clock = manualClock();
    const address = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}::1`;
    const processes = [createSharedSignInThrottle({ now: clock.now }), createSharedSignInThrottle({ now: clock.now })];
    for (let i = 0; i < 30; i++) await processes[i % 2]!.recordFailure(`${unique("victim")}@example.test`, address);
    const verdict = await processes[0]!.check(`${unique("next")}@example.test`, address);
    expect(verdict.allowed).toBe(false);
  });
});

// Two processes sharing one limit of two per hour: `slow` pauses once between its read and its
// write, and `duringPause` runs then (with the other, `fast`).
function slowBehind(duringPause: (fast: SharedRateLimiter) => Promise<void>): { fast: SharedRateLimiter; slow: SharedRateLimiter } {
  const name = unique("bucket");
  const fast = createSharedRateLimiter(name, { limit: 2, windowMs: HOUR });
  let paused = false;
  const slow = createSharedRateLimiter(name, {
    limit: 2,
    windowMs: HOUR,
    async pauseBeforeWrite() {
      if (paused) return;
      paused = true;
      await duringPause(fast);
    },
  });
  return { fast, slow };
}
