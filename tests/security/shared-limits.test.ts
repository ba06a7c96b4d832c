// Issue 16 §7: a password guesser behind a load balancer that spreads their requests over two
// site processes gets no more tries than against one. Two site processes on a PocketBase of
// their own share their counts there (CASEBOOK_RATE_LIMITS=pocketbase): five wrong passwords,
// alternating between them, lock the (account, address) pair in both. The same burst against
// two processes that count in memory — one site process's default — is not stopped: that is
// what a deployment of several processes must not run (README, *Several processes*).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectAsSuperuser } from "../../src/lib/server/pocketbase.ts";
import { TEST_SUPERUSER, startTestPocketBase } from "../helpers/pocketbase.ts";
import { startSite } from "../helpers/site.ts";
import { Client } from "./scenarios.ts";

const PASSWORD = "amber quarry lantern violet 42";
type Site = Awaited<ReturnType<typeof startSite>>;

let pocket: Awaited<ReturnType<typeof startTestPocketBase>> | undefined;
let pb: PocketBase;
const sites: Site[] = [];
const dirs: string[] = [];

async function siteProcess(rateLimits: "memory" | "pocketbase"): Promise<Site> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "casebook-limits-"));
  dirs.push(dataDir);
  const site = await startSite({
    POCKETBASE_URL: pocket!.url,
    PB_SUPERUSER_EMAIL: TEST_SUPERUSER.email,
    PB_SUPERUSER_PASSWORD: TEST_SUPERUSER.password,
    DATA_DIR: dataDir,
    // Every process of one deployment has the same secret (the counts' keys are HMACs under it).
    CASEBOOK_SECRET: "shared-limits-test-signing-secret-0123456789abcdef",
    CASEBOOK_RATE_LIMITS: rateLimits,
    TRUSTED_PROXIES: "127.0.0.1,::1",
    CASEBOOK_SEARCH_WORKER: "0",
    CASEBOOK_MAIL_WORKER: "0",
    CASEBOOK_DIGESTS: "0",
  });
  sites.push(site);
  return site;
}

async function account(): Promise<string> {
  const email = `guessed-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}@example.test`;
  await pb
    .collection("users")
    .create({ email, password: PASSWORD, passwordConfirm: PASSWORD, name: "Guessed Owner", role: "member", locale: "en", verified: true });
  return email;
}

/** One sign-in attempt through `site` from `from` (the load balancer's X-Forwarded-For); its status. */
async function attempt(site: Site, email: string, password: string, from: string): Promise<number> {
  const res = await new Client(site.baseUrl).form("/signin?_action=signIn", { email, password }, { headers: { "x-forwarded-for": from } });
  await res.arrayBuffer();
  return res.status;
}

beforeAll(async () => {
  pocket = await startTestPocketBase();
  pb = await connectAsSuperuser(pocket.url, TEST_SUPERUSER);
}, 60_000);

afterAll(async () => {
  for (const site of sites) await site.stop();
  await pocket?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("the sign-in limit across two site processes", () => {
  it("with shared counts, five wrong passwords spread over both processes lock the pair in both, and another address still signs in", async () => {
    const [a, b] = [await siteProcess("pocketbase"), await siteProcess("pocketbase")];
    const email = await account();
    const guesser = "203.0.113.66";
    for (let i = 0; i < 5; i++) expect(await attempt(i % 2 === 0 ? a : b, email, "wrong guess", guesser), `wrong password ${i + 1}`).toBe(401);
    // The sixth try, even with the right password, is refused by either process.
    expect(await attempt(a, email, PASSWORD, guesser)).toBe(429);
    expect(await attempt(b, email, PASSWORD, guesser)).toBe(429);
    // The owner, elsewhere, is not locked out by someone else's failures.
    expect(await attempt(b, email, PASSWORD, "198.51.100.5")).toBe(303);
  }, 120_000);

  it("with counts in each process's memory, the same burst is not stopped (why several processes need shared counts)", async () => {
    const [a, b] = [await siteProcess("memory"), await siteProcess("memory")];
    const email = await account();
    const guesser = "203.0.113.67";
    for (let i = 0; i < 5; i++) expect(await attempt(i % 2 === 0 ? a : b, email, "wrong guess", guesser)).toBe(401);
    // Each process saw at most three failures: the right password gets through.
    expect(await attempt(b, email, PASSWORD, guesser)).toBe(303);
  }, 120_000);
});
