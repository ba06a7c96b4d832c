// Finding 15 (issue 9): whether an address has an account must not show in how long the
// sign-up and password-reset forms take to answer, nor in what they answer. Asserted as an
// attacker measures it: requests to both cases interleaved, medians compared.
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, inject, it } from "vitest";
import { findLatestMail } from "../../src/lib/server/mail.ts";
import { Client } from "./scenarios.ts";

const ROUNDS = 21;
const EXISTING = [
  "admin@casebook.example",
  "moderator@casebook.example",
  "editor.hospital@casebook.example",
  "dpo.hospital@casebook.example",
  "member@casebook.example",
];
// Noise on a shared 2-core machine is a few milliseconds per request; creating an account
// (PocketBase hashes the password) cost ~100 ms more than finding one. A median paired
// difference under 15 ms, or under 30 % of the slower median, leaves nothing to read.
const boundMs = (a: number, b: number) => Math.max(15, 0.3 * Math.max(a, b));

let nextAddress = 0;
const freshAddress = () => `198.18.${Math.floor(nextAddress / 250)}.${(nextAddress++ % 250) + 1}`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Posts a form from a fresh address (so per-address limits never answer instead) and times the whole answer. */
async function timed(path: string, fields: Record<string, string>): Promise<{ ms: number; status: number; body: string }> {
  const client = new Client();
  const started = performance.now();
  const res = await client.form(path, fields, { headers: { "x-forwarded-for": freshAddress() } });
  const body = await res.text();
  const ms = performance.now() - started;
  // Let work done after the answer finish, so it weighs on neither case's next request.
  await sleep(200);
  return { ms, status: res.status, body };
}

/**
 * Runs both cases in pairs, back to back (alternating which goes first), and returns the
 * medians and the median of the paired differences: pairing cancels the machine's load
 * drifting over the run, which is most of the noise on a shared machine.
 */
async function compare(
  existing: (i: number) => Promise<{ ms: number; status: number; body: string }>,
  unknown: (i: number) => Promise<{ ms: number; status: number; body: string }>,
) {
  const a: number[] = [];
  const b: number[] = [];
  const bodies = { existing: new Set<string>(), unknown: new Set<string>() };
  for (let i = 0; i < ROUNDS; i++) {
    const order = i % 2 === 0 ? ["existing", "unknown"] : ["unknown", "existing"];
    for (const which of order) {
      const r = which === "existing" ? await existing(i) : await unknown(i);
      expect(r.status, which).toBe(200);
      (which === "existing" ? a : b).push(r.ms);
      bodies[which as "existing" | "unknown"].add(r.body.replace(/[\w.+-]+@[\w.-]+\.\w+/g, "EMAIL"));
    }
  }
  return { existing: median(a), unknown: median(b), difference: median(a.map((ms, i) => ms - b[i]!)), bodies };
}

/** Signs addresses up through the form and waits until each has its account (its mail is sent after the account is made). */
async function signUpAll(emails: string[]): Promise<void> {
  for (const email of emails) {
    const res = await new Client().form(
      "/signup?_action=signUp",
      { name: "Reset Person", email, password: "amber quarry lantern violet 42", locale: "en" },
      { headers: { "x-forwarded-for": freshAddress() } },
    );
    expect(res.status).toBe(200);
  }
  for (const email of emails) {
    for (let i = 0; i < 100 && !(await findLatestMail(email, inject("dataDir"))); i++) await sleep(100);
  }
}

describe("account enumeration by timing (issue 9, finding 15)", () => {
  it("sign-up answers an existing and a new address alike, in the same time", { timeout: 120_000 }, async () => {
    const stamp = Date.now().toString(36);
    const result = await compare(
      (i) =>
        timed("/signup?_action=signUp", {
          name: "Timing Person",
          email: EXISTING[i % EXISTING.length]!,
          password: "amber quarry lantern violet 42",
          locale: "en",
        }),
      (i) =>
        timed("/signup?_action=signUp", {
          name: "Timing Person",
          email: `timing-${stamp}-${i}@example.test`,
          password: "amber quarry lantern violet 42",
          locale: "en",
        }),
    );
    console.log(
      `[finding 15] sign-up median: existing ${result.existing.toFixed(1)} ms, new ${result.unknown.toFixed(1)} ms median paired difference ${result.difference.toFixed(1)} ms (bound ${boundMs(result.existing, result.unknown).toFixed(1)} ms)`,
    );
    expect(result.bodies.existing).toEqual(result.bodies.unknown);
    expect(Math.abs(result.difference)).toBeLessThan(boundMs(result.existing, result.unknown));
  });

  it("a wrong password for a registered address and any password for an unknown one: same answer, same time", { timeout: 120_000 }, async () => {
    const stamp = Date.now().toString(36);
    const signInTimed = async (email: string) => {
      const r = await timed("/signin?_action=signIn", { email, password: `wrong ${stamp} password` });
      // The form answers 401 in both cases; compare() wants the page, so report 200 for it.
      expect(r.status).toBe(401);
      return { ...r, status: 200 };
    };
    const result = await compare(
      (i) => signInTimed(EXISTING[i % EXISTING.length]!),
      (i) => signInTimed(`nobody-${stamp}-${i}@example.test`),
    );
    console.log(
      `[finding 15] sign-in median: registered ${result.existing.toFixed(1)} ms, unknown ${result.unknown.toFixed(1)} ms median paired difference ${result.difference.toFixed(1)} ms (bound ${boundMs(result.existing, result.unknown).toFixed(1)} ms)`,
    );
    expect(result.bodies.existing).toEqual(result.bodies.unknown);
    expect(Math.abs(result.difference)).toBeLessThan(boundMs(result.existing, result.unknown));
  });

  it("a password-reset request answers a registered and an unknown address alike, in the same time", { timeout: 120_000 }, async () => {
    // Accounts of its own (unverified ones get reset links too); each address is asked
    // once, below the per-account limit of three an hour.
    const stamp = Date.now().toString(36);
    const registered = Array.from({ length: ROUNDS }, (_, i) => `reset-${stamp}-${i}@example.test`);
    await signUpAll(registered);
    const result = await compare(
      (i) => timed("/reset?_action=requestReset", { email: registered[i]! }),
      (i) => timed("/reset?_action=requestReset", { email: `nobody-${stamp}-${i}@example.test` }),
    );
    console.log(
      `[finding 15] reset median: registered ${result.existing.toFixed(1)} ms, unknown ${result.unknown.toFixed(1)} ms median paired difference ${result.difference.toFixed(1)} ms (bound ${boundMs(result.existing, result.unknown).toFixed(1)} ms)`,
    );
    expect(result.bodies.existing).toEqual(result.bodies.unknown);
    expect(Math.abs(result.difference)).toBeLessThan(boundMs(result.existing, result.unknown));
  });
});
