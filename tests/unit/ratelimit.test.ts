// Limits with an injected clock: refusal with the right Retry-After, refill, independent
// keys, and bounded memory.
import { describe, expect, it } from "vitest";
import { checkLimits, createRateLimiter, createSignInThrottle, limits } from "../../src/lib/server/ratelimit.ts";

const MINUTE = 60_000;

function clock(start = 1_000_000) {
  const state = { time: start };
  return { now: () => state.time, advance: (ms: number) => (state.time += ms) };
}

describe("createRateLimiter", () => {
  it("refuses once the limit is reached, with the wait until the next attempt", () => {
    const c = clock();
    const limiter = createRateLimiter({ limit: 5, windowMs: 15 * MINUTE, now: c.now });
    const remaining = Array.from({ length: 5 }, () => limiter.consume("ip").remaining);
    expect(remaining).toEqual([4, 3, 2, 1, 0]);
    // One token comes back every 15 min / 5 = 3 minutes.
    expect(limiter.consume("ip")).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 180 });
    c.advance(60_000);
    expect(limiter.consume("ip")).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 120 });
    c.advance(119_500);
    expect(limiter.consume("ip")).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 1 });
    c.advance(500);
    expect(limiter.consume("ip")).toMatchObject({ allowed: true, remaining: 0 });
    expect(limiter.consume("ip").allowed).toBe(false);
  });

  it("allows the full burst again once a window has passed", () => {
    const c = clock();
    const limiter = createRateLimiter({ limit: 3, windowMs: 60 * MINUTE, now: c.now });
    for (let i = 0; i < 3; i++) limiter.consume("a");
    expect(limiter.consume("a").allowed).toBe(false);
    c.advance(60 * MINUTE);
    expect(limiter.consume("a")).toEqual({ allowed: true, remaining: 2, retryAfterSeconds: 0 });
  });

  it("does not count refused attempts, so hammering does not extend the lock", () => {
    const c = clock();
    const limiter = createRateLimiter({ limit: 2, windowMs: 10 * MINUTE, now: c.now });
    limiter.consume("acct");
    limiter.consume("acct");
    for (let i = 0; i < 100; i++) limiter.consume("acct");
    c.advance(5 * MINUTE);
    expect(limiter.consume("acct").allowed).toBe(true);
  });

  it("keeps keys independent and forgets a key on reset", () => {
    const c = clock();
    const limiter = createRateLimiter({ limit: 1, windowMs: MINUTE, now: c.now });
    expect(limiter.consume("a").allowed).toBe(true);
    expect(limiter.consume("a").allowed).toBe(false);
    expect(limiter.consume("b").allowed).toBe(true);
    limiter.reset("a");
    expect(limiter.consume("a").allowed).toBe(true);
  });

  it("caps the number of keys by forgetting the least recently used", () => {
    const c = clock();
    const limiter = createRateLimiter({ limit: 1, windowMs: MINUTE, now: c.now, maxKeys: 3 });
    limiter.consume("old");
    limiter.consume("kept");
    limiter.consume("x");
    limiter.consume("kept"); // refused, but marks "kept" as recently used
    limiter.consume("y"); // a fourth key: "old" goes
    expect(limiter.size()).toBe(3);
    expect(limiter.consume("old").allowed).toBe(true);
    expect(limiter.consume("kept").allowed).toBe(false);
  });

  it("prunes keys whose bucket has refilled", () => {
    const c = clock();
    const limiter = createRateLimiter({ limit: 2, windowMs: MINUTE, now: c.now });
    for (let i = 0; i < 1000; i++) limiter.consume(`ip-${i}`);
    expect(limiter.size()).toBe(1000);
    c.advance(MINUTE);
    limiter.consume("fresh");
    expect(limiter.size()).toBe(1);
  });

  it("rejects nonsensical settings", () => {
    expect(() => createRateLimiter({ limit: 0, windowMs: MINUTE })).toThrow(RangeError);
    expect(() => createRateLimiter({ limit: 5, windowMs: 0 })).toThrow(RangeError);
  });
});

describe("checkLimits", () => {
  it("consumes every pair and reports the longest wait", () => {
    const c = clock();
    const perIp = createRateLimiter({ limit: 3, windowMs: 15 * MINUTE, now: c.now });
    const perAccount = createRateLimiter({ limit: 1, windowMs: 60 * MINUTE, now: c.now });
    expect(
      checkLimits([
        [perIp, "1.2.3.4"],
        [perAccount, "a@x.be"],
      ]),
    ).toEqual({ allowed: true });
    expect(
      checkLimits([
        [perIp, "1.2.3.4"],
        [perAccount, "a@x.be"],
      ]),
    ).toEqual({ allowed: false, retryAfterSeconds: 3600 });
    // The refused account attempt still used one of the IP's three.
    expect(perIp.consume("1.2.3.4")).toMatchObject({ allowed: true, remaining: 0 });
    expect(
      checkLimits([
        [perIp, "1.2.3.4"],
        [perAccount, "b@x.be"],
      ]),
    ).toEqual({ allowed: false, retryAfterSeconds: 300 });
  });

  it("ships the documented ready-made limiters", () => {
    expect(Object.keys(limits).sort()).toEqual(["resetPerAccount", "resetPerIp", "signUpPerIp", "verifyPerAccount", "verifyPerIp"].sort());
    const key = `test-${Math.random()}`;
    for (let i = 0; i < 3; i++) expect(limits.resetPerAccount.consume(key).allowed).toBe(true);
    expect(limits.resetPerAccount.consume(key)).toMatchObject({ allowed: false, retryAfterSeconds: 1200 });
    limits.resetPerAccount.reset(key);
  });
});

describe("createSignInThrottle (issue 9, finding 16)", () => {
  const A = "198.51.100.7";
  const B = "203.0.113.9";
  const owner = "owner@example.be";

  function fail(throttle: ReturnType<typeof createSignInThrottle>, account: string, address: string, times: number) {
    for (let i = 0; i < times; i++) {
      expect(throttle.check(account, address).allowed, `attempt ${i + 1}`).toBe(true);
      throttle.recordFailure(account, address);
    }
  }

  it("gives five free failures per (account, address), then waits that double", () => {
    const c = clock();
    const throttle = createSignInThrottle({ now: c.now });
    fail(throttle, owner, A, 5);
    expect(throttle.check(owner, A)).toEqual({ allowed: false, retryAfterSeconds: 60 });
    c.advance(60_000);
    expect(throttle.check(owner, A).allowed).toBe(true);
    throttle.recordFailure(owner, A);
    expect(throttle.check(owner, A)).toEqual({ allowed: false, retryAfterSeconds: 120 });
    c.advance(120_000);
    throttle.recordFailure(owner, A);
    expect(throttle.check(owner, A)).toEqual({ allowed: false, retryAfterSeconds: 240 });
  });

  it("caps the wait at an hour and forgets failures after a quiet day", () => {
    const c = clock();
    const throttle = createSignInThrottle({ now: c.now, addressFailures: 1000, accountFailures: 1000 });
    for (let i = 0; i < 20; i++) {
      throttle.recordFailure(owner, A);
      c.advance(2 * 60 * MINUTE);
    }
    c.advance(-2 * 60 * MINUTE);
    expect(throttle.check(owner, A)).toEqual({ allowed: false, retryAfterSeconds: 3600 });
    c.advance(25 * 60 * MINUTE);
    fail(throttle, owner, A, 4);
  });

  it("never locks the owner out from an address without failures", () => {
    const c = clock();
    const throttle = createSignInThrottle({ now: c.now });
    fail(throttle, owner, A, 5);
    expect(throttle.check(owner, A).allowed).toBe(false);
    expect(throttle.check(owner, B)).toEqual({ allowed: true });
    throttle.recordSuccess(owner, B);
    expect(throttle.check(owner, B)).toEqual({ allowed: true });
  });

  it("does not count successes, and a success clears that address's failures", () => {
    const c = clock();
    const throttle = createSignInThrottle({ now: c.now });
    for (let i = 0; i < 50; i++) throttle.recordSuccess(owner, A);
    fail(throttle, owner, A, 4);
    throttle.recordSuccess(owner, A);
    fail(throttle, owner, A, 5);
    expect(throttle.check(owner, A).allowed).toBe(false);
  });

  it("keeps other accounts and other addresses apart, and IPv6 per /64", () => {
    const c = clock();
    const throttle = createSignInThrottle({ now: c.now });
    fail(throttle, owner, "2001:db8:1:2:aaaa::1", 5);
    expect(throttle.check(owner, "2001:db8:1:2:ffff:ffff:ffff:ffff").allowed).toBe(false);
    expect(throttle.check(owner, "2001:db8:1:3::1").allowed).toBe(true);
    expect(throttle.check("colleague@example.be", "2001:db8:1:2::5").allowed).toBe(true);
  });

  it("stops an address that fails across many accounts (credential stuffing)", () => {
    const c = clock();
    const throttle = createSignInThrottle({ now: c.now, addressFailures: 30 });
    for (let i = 0; i < 30; i++) fail(throttle, `victim${i}@example.be`, A, 1);
    const verdict = throttle.check("next@example.be", A);
    expect(verdict.allowed).toBe(false);
    expect(throttle.check("next@example.be", B).allowed).toBe(true);
  });

  it("under a distributed attack, gives each failing address one try while the owner still gets in", () => {
    const c = clock();
    const throttle = createSignInThrottle({ now: c.now, accountFailures: 50 });
    // 50 addresses, one wrong password each: the account's ceiling is reached.
    for (let i = 0; i < 50; i++) fail(throttle, owner, `192.0.2.${i}`, 1);
    expect(throttle.check(owner, "192.0.2.1").allowed).toBe(false); // failed before: waits
    expect(throttle.check(owner, "192.0.2.200").allowed).toBe(true); // a fresh address: one try
    throttle.recordFailure(owner, "192.0.2.200");
    expect(throttle.check(owner, "192.0.2.200").allowed).toBe(false);
    expect(throttle.check(owner, B)).toEqual({ allowed: true }); // the owner, who never failed
    c.advance(60 * MINUTE);
    expect(throttle.check(owner, "192.0.2.1").allowed).toBe(true);
  });

  it("remembers a bounded number of pairs", () => {
    const throttle = createSignInThrottle({ maxKeys: 10, addressFailures: 1000, accountFailures: 1000 });
    for (let i = 0; i < 5; i++) throttle.recordFailure(owner, A);
    for (let i = 0; i < 20; i++) throttle.recordFailure(`x${i}@example.be`, B);
    expect(throttle.check(owner, A).allowed).toBe(true); // evicted: memory stays bounded
  });
});

// From the mutants `npm run mutate` left alive (issue 10 §7).
describe("createRateLimiter at its edges", () => {
  it("refuses settings that would disable it, naming the value", () => {
    expect(() => createRateLimiter({ limit: 0, windowMs: MINUTE })).toThrow("limit must be a positive whole number, got 0");
    expect(() => createRateLimiter({ limit: 1.5, windowMs: MINUTE })).toThrow("limit must be a positive whole number, got 1.5");
    expect(() => createRateLimiter({ limit: 5, windowMs: 0 })).toThrow("windowMs must be positive, got 0");
    expect(() => createRateLimiter({ limit: 5, windowMs: MINUTE, maxKeys: 0 })).toThrow("maxKeys must be at least 1, got 0");
    expect(() => createRateLimiter({ limit: 5, windowMs: MINUTE, maxKeys: 1 })).not.toThrow();
  });

  it("remembers exactly maxKeys keys", () => {
    const c = clock();
    const limiter = createRateLimiter({ limit: 1, windowMs: MINUTE, now: c.now, maxKeys: 3 });
    for (const key of ["a", "b", "c"]) limiter.consume(key);
    expect(limiter.size()).toBe(3);
    for (const key of ["a", "b", "c"]) expect(limiter.consume(key).allowed).toBe(false);
  });

  it("an allowed attempt also marks its key as recently used, so spraying other keys does not reset it", () => {
    const c = clock();
    const limiter = createRateLimiter({ limit: 2, windowMs: MINUTE, now: c.now, maxKeys: 2 });
    limiter.consume("attacker");
    limiter.consume("other");
    limiter.consume("attacker"); // allowed: the attacker's second and last attempt
    limiter.consume("spray"); // a third key: "other", the least recently used, goes
    expect(limiter.consume("attacker").allowed).toBe(false);
    expect(limiter.consume("other").allowed).toBe(true);
  });
});
