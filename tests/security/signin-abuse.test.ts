// Findings 14, 16 and 20 (issue 9): password guessing against the site and straight against
// PocketBase, targeted lock-out, and which client address the site believes. The site runs
// with TRUSTED_PROXIES=127.0.0.1 (global-setup), so X-Forwarded-For picks the address.
import { setTimeout as sleep } from "node:timers/promises";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { findLatestMail } from "../../src/lib/server/mail.ts";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { Client, type Scenario } from "./scenarios.ts";

const PASSWORD = "amber quarry lantern violet 42";
const WRONG = "not the password at all 17";

/** A fresh verified account, made the way a person makes one: the form, then the mailed link. */
async function registerVerified(): Promise<string> {
  const email = `owner-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}@example.test`;
  const res = await new Client().form(
    "/signup?_action=signUp",
    { name: "Owner Person", email, password: PASSWORD, locale: "en" },
    { headers: { "x-forwarded-for": "192.0.2.250" } },
  );
  expect(res.status).toBe(200);
  let link: string | undefined;
  for (let i = 0; i < 100 && !link; i++) {
    const mail = await findLatestMail(email, inject("dataDir"));
    link = mail?.text.match(/https?:\/\/\S+\/verify\?token=\S+/)?.[0];
    if (!link) await sleep(100);
  }
  if (!link) throw new Error(`no verification mail for ${email}`);
  const verified = await new Client().fetch(new URL(link).pathname + new URL(link).search);
  expect(verified.status).toBe(200);
  return email;
}

type Attempt = { from: string; password: "right" | "wrong"; times?: number; waitFirstMs?: number; page?: string };
type Seen = { status: number; retryAfter?: number };

const lockout: Scenario<Attempt, Seen>[] = [
  {
    name: "five wrong passwords from A are answered plainly",
    actor: "attacker at A",
    request: { from: "198.51.100.21", password: "wrong", times: 5 },
    expected: { status: 401 },
  },
  {
    name: "then even the right password from A waits",
    actor: "attacker at A who guessed right",
    request: { from: "198.51.100.21", password: "right" },
    expected: { status: 429, retryAfter: 60 },
  },
  {
    // The page under a prefix renders a rewritten copy of the request the action refused (issue 12 §3).
    name: "…through a language's sign-in page too, with its Retry-After",
    actor: "attacker at A who guessed right",
    request: { from: "198.51.100.21", password: "right", page: "/fr/signin" },
    expected: { status: 429, retryAfter: 60 },
  },
  {
    name: "a forged left-most X-Forwarded-For does not make A someone new",
    actor: "attacker at A",
    request: { from: "203.0.113.99, 198.51.100.21", password: "right" },
    expected: { status: 429 },
  },
  {
    name: "the owner still signs in from an address with no failures",
    actor: "owner at B",
    request: { from: "198.51.100.22", password: "right" },
    expected: { status: 303 },
  },
  {
    name: "successes never count: ten sign-ins from C",
    actor: "owner at C",
    request: { from: "198.51.100.23", password: "right", times: 10 },
    expected: { status: 303 },
  },
  { name: "…then four typos from C", actor: "owner at C", request: { from: "198.51.100.23", password: "wrong", times: 4 }, expected: { status: 401 } },
  { name: "…and the right password from C still works", actor: "owner at C", request: { from: "198.51.100.23", password: "right" }, expected: { status: 303 } },
  {
    name: "five wrong passwords from one IPv6 address",
    actor: "attacker at 2001:db8:9:9::1",
    request: { from: "2001:db8:9:9::1", password: "wrong", times: 5 },
    expected: { status: 401 },
  },
  {
    name: "the same /64 is the same client",
    actor: "attacker rotating within its /64",
    request: { from: "2001:db8:9:9:ffff::2", password: "right" },
    expected: { status: 429 },
  },
  {
    name: "another /64 is not affected",
    actor: "owner at 2001:db8:9:a::1",
    request: { from: "2001:db8:9:a::1", password: "right" },
    expected: { status: 303 },
  },
  {
    name: "once A's wait has passed, the right password from A works",
    actor: "owner back at A",
    request: { from: "198.51.100.21", password: "right", waitFirstMs: 61_000 },
    expected: { status: 303 },
  },
];

// The scenarios build on each other, so they keep their order under --sequence.shuffle.
describe("targeted lock-out (issue 9, finding 16)", { shuffle: false }, () => {
  let owner: string;
  beforeAll(async () => {
    owner = await registerVerified();
  });

  // The scenarios build on each other, in this order.
  for (const { name, actor, request, expected } of lockout) {
    it(`${name} (${actor})`, { timeout: 120_000 }, async () => {
      if (request.waitFirstMs) await sleep(request.waitFirstMs);
      for (let i = 0; i < (request.times ?? 1); i++) {
        const res = await new Client().form(
          `${request.page ?? "/signin"}?_action=signIn`,
          { email: owner, password: request.password === "right" ? PASSWORD : WRONG },
          { headers: { "x-forwarded-for": request.from } },
        );
        expect(res.status, `attempt ${i + 1}`).toBe(expected.status);
        if (expected.retryAfter !== undefined) {
          const wait = Number(res.headers.get("retry-after"));
          expect(wait).toBeGreaterThan(expected.retryAfter - 5);
          expect(wait).toBeLessThanOrEqual(expected.retryAfter);
        }
      }
    });
  }
});

describe("password guessing straight at PocketBase (issue 9, finding 14)", () => {
  const target = "editor.vendor@casebook.example";

  it("40 wrong guesses and the right password get the same refusal and no token (attacker on the machine)", async () => {
    const url = inject("pocketbaseUrl");
    const answers = new Set<string>();
    for (const password of [...Array.from({ length: 40 }, (_, i) => `guess ${i} ${WRONG}`), DEMO_PASSWORD]) {
      const res = await fetch(`${url}/api/collections/users/auth-with-password`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ identity: target, password }),
      });
      const body = await res.text();
      expect(body).not.toContain("token");
      answers.add(`${res.status} ${body}`);
    }
    expect([...answers]).toHaveLength(1);
    expect([...answers][0]).toMatch(/^400 /);
  });

  it("the site still signs the owner in", async () => {
    const res = await new Client().form(
      "/signin?_action=signIn",
      { email: target, password: DEMO_PASSWORD },
      { headers: { "x-forwarded-for": "198.51.100.40" } },
    );
    expect(res.status).toBe(303);
  });
});
