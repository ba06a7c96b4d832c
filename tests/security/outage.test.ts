// PocketBase going away and coming back under a running site (issue 16 §11): pages answer 503
// with the friendly page and Retry-After meanwhile (not 500: an outage is not a bug, and load
// balancers retry a 503), a signed-in member is not signed out by the outage (an error reaching
// PocketBase once deleted the session cookie), and the site recovers by itself once PocketBase
// is back — same session, no restart of the site.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensurePocketBaseBinary } from "../../scripts/lib/pocketbase-binary.ts";
import { freePort, migrateUp, type RunningPocketBase, startPocketBase, upsertSuperuser } from "../../scripts/lib/pocketbase-process.ts";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { connectAsSuperuser } from "../../src/lib/server/pocketbase.ts";
import { TEST_SUPERUSER } from "../helpers/pocketbase.ts";
import { startSite } from "../helpers/site.ts";
import { Client } from "./scenarios.ts";

let bin = "";
let pbDir = "";
let port = 0;
let pocket: RunningPocketBase | undefined;
let site: Awaited<ReturnType<typeof startSite>> | undefined;
let siteDir = "";
const email = "outage-member@example.test";

beforeAll(async () => {
  bin = await ensurePocketBaseBinary(() => undefined);
  pbDir = mkdtempSync(path.join(os.tmpdir(), "casebook-outage-pb-"));
  await migrateUp(bin, pbDir);
  await upsertSuperuser(bin, pbDir, TEST_SUPERUSER.email, TEST_SUPERUSER.password);
  port = await freePort();
  pocket = await startPocketBase({ bin, dataDir: pbDir, port });
  const pb = await connectAsSuperuser(pocket.url, TEST_SUPERUSER);
  await pb.collection("users").create({
    email,
    name: "Outage Member",
    role: "member",
    locale: "en",
    password: DEMO_PASSWORD,
    passwordConfirm: DEMO_PASSWORD,
    verified: true,
  });
  siteDir = mkdtempSync(path.join(os.tmpdir(), "casebook-outage-site-"));
  site = await startSite({
    POCKETBASE_URL: pocket.url,
    PB_SUPERUSER_EMAIL: TEST_SUPERUSER.email,
    PB_SUPERUSER_PASSWORD: TEST_SUPERUSER.password,
    DATA_DIR: siteDir,
    CASEBOOK_SECRET: "outage-restart-signing-secret-0123456789abcdef",
    CASEBOOK_DIGESTS: "0",
  });
}, 120_000);

afterAll(async () => {
  await site?.stop();
  await pocket?.stop();
  for (const dir of [pbDir, siteDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("PocketBase killed and restarted under a running site", () => {
  it("answers 503 with the friendly page meanwhile, keeps the member signed in, and recovers by itself", async () => {
    const member = await new Client(site!.baseUrl).signIn(email);
    const dashboard = await member.fetch("/en/dashboard");
    expect(dashboard.status).toBe(200);
    expect(await dashboard.text()).toContain("Sign out");
    const cookieBefore = [...member.cookies].join(";");

    pocket!.child.kill("SIGKILL");
    await pocket!.exited;

    for (const path of ["/en/", "/en/dashboard"]) {
      const res = await member.fetch(path);
      const html = await res.text();
      expect(res.status, path).toBe(503);
      expect(res.headers.get("retry-after"), path).toBe("10");
      expect(html, path).toContain("Something went wrong on our side");
      expect(html, path).not.toMatch(/ECONNREFUSED|fetch failed|ClientResponseError|at async/);
    }
    const health = await fetch(`${site!.baseUrl}/healthz`);
    expect(health.status).toBe(503);
    // Endpoints that answer everybody alike go on for the member too: JSON, not the error page.
    const memberHealth = await member.fetch("/healthz");
    expect(memberHealth.status).toBe(503);
    expect(await memberHealth.json()).toMatchObject({ status: "unavailable", pocketbase: { reachable: false } });
    const memberSearch = await member.fetch("/api/search?q=pilot");
    expect(memberSearch.status).toBe(200);
    expect(memberSearch.headers.get("content-type")).toMatch(/^application\/json/);
    // The outage did not sign the member out: the browser still holds the same session cookie.
    expect([...member.cookies].join(";")).toBe(cookieBefore);

    pocket = await startPocketBase({ bin, dataDir: pbDir, port });
    let recovered: Response | undefined;
    for (let i = 0; i < 100; i++) {
      recovered = await member.fetch("/en/dashboard");
      if (recovered.status === 200) break;
      await recovered.arrayBuffer();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(recovered?.status).toBe(200);
    expect(await recovered!.text()).toContain("Sign out");
  });
});
