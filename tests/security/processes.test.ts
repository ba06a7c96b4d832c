// Issue 16 §5: several site processes on one port (CASEBOOK_PROCESSES, set by `npm start --
// --processes N`). Without Meilisearch they are refused before anything listens (the embedded
// engine lives in one process). With a real Meilisearch — started here when the machine has one
// (MEILI_URL, MEILI_BIN or `meilisearch` on PATH; otherwise those tests are skipped with the
// reason printed) — two processes answer, share the sign-in counts, a killed one is replaced,
// and SIGTERM stops them all.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { locateMeilisearch, newMasterKey, type RunningMeilisearch, startMeilisearch } from "../../scripts/lib/meilisearch-process.ts";
import { freePort } from "../../scripts/lib/pocketbase-process.ts";
import { connectAsSuperuser } from "../../src/lib/server/pocketbase.ts";
import { TEST_SUPERUSER, startTestPocketBase } from "../helpers/pocketbase.ts";
import { startSite } from "../helpers/site.ts";
import { Client } from "./scenarios.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const PASSWORD = "amber quarry lantern violet 42";
const SECRET = "processes-test-signing-secret-0123456789abcdef";
const METRICS_TOKEN = "processes-metrics-token-0123456789";

/** The pids of the processes whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid …; comm may hold spaces, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting until ${what}`);
}

describe("several site processes without Meilisearch", () => {
  it("are refused before anything listens, with the reason", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(root, "scripts/serve.ts")], {
      cwd: root,
      env: { ...process.env, CASEBOOK_PROCESSES: "2", MEILI_URL: "", MEILI_BIN: "", HOST: "127.0.0.1", PORT: String(port), CASEBOOK_SECRET: SECRET },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(2);
    expect(output).toMatch(/Several site processes need Meilisearch: the embedded search engine keeps its index inside one process/);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});

// A server of its own: the site writes its fixed index, which must not be one a shared MEILI_URL holds.
const source = locateMeilisearch({ ...process.env, MEILI_URL: "" });
const skip = source.kind === "bin" ? null : source.kind === "none" ? source.reason : "needs a Meilisearch binary";
if (skip) console.warn(`Several site processes on Meilisearch skipped: ${skip}`);

// Its last test stops the supervisor and both processes the others talk to, so the tests keep
// their order under --sequence.shuffle (the files still shuffle).
describe.skipIf(skip !== null)("two site processes on Meilisearch", { shuffle: false }, () => {
  let pocket: Awaited<ReturnType<typeof startTestPocketBase>> | undefined;
  let meili: RunningMeilisearch | undefined;
  let site: Awaited<ReturnType<typeof startSite>> | undefined;
  let pb: PocketBase;
  const dirs: string[] = [];

  beforeAll(async () => {
    pocket = await startTestPocketBase();
    pb = await connectAsSuperuser(pocket.url, TEST_SUPERUSER);
    const meiliDir = mkdtempSync(path.join(os.tmpdir(), "casebook-processes-meili-"));
    dirs.push(meiliDir);
    meili = await startMeilisearch({ bin: (source as { bin: string }).bin, dataDir: meiliDir, port: await freePort(), masterKey: newMasterKey() });
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "casebook-processes-"));
    dirs.push(dataDir);
    site = await startSite({
      POCKETBASE_URL: pocket.url,
      PB_SUPERUSER_EMAIL: TEST_SUPERUSER.email,
      PB_SUPERUSER_PASSWORD: TEST_SUPERUSER.password,
      DATA_DIR: dataDir,
      CASEBOOK_SECRET: SECRET,
      CASEBOOK_PROCESSES: "2",
      MEILI_URL: meili.url,
      MEILI_MASTER_KEY: meili.masterKey,
      TRUSTED_PROXIES: "127.0.0.1,::1",
      CASEBOOK_DIGESTS: "0",
      CASEBOOK_METRICS_TOKEN: METRICS_TOKEN,
    });
    await until(() => childrenOf(site!.child.pid!).length === 2, "two site processes run");
  }, 120_000);

  afterAll(async () => {
    await site?.stop();
    await meili?.stop();
    await pocket?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("share the sign-in counts: five wrong passwords over both lock the pair, whichever process answers next", async () => {
    const email = `spread-${Date.now().toString(36)}@example.test`;
    await pb
      .collection("users")
      .create({ email, password: PASSWORD, passwordConfirm: PASSWORD, name: "Spread Owner", role: "member", locale: "en", verified: true });
    const attempt = async (password: string) => {
      // A new connection per attempt, accepted by whichever process the kernel wakes (the sharing
      // itself is proven process by process in shared-limits.test.ts).
      const res = await new Client(site!.baseUrl).form(
        "/signin?_action=signIn",
        { email, password },
        { headers: { "x-forwarded-for": "203.0.113.80", connection: "close" } },
      );
      await res.arrayBuffer();
      return res.status;
    };
    for (let i = 0; i < 5; i++) expect(await attempt("wrong guess"), `wrong password ${i + 1}`).toBe(401);
    for (let i = 0; i < 4; i++) expect(await attempt(PASSWORD), `attempt ${i + 6}, right password`).toBe(429);
  });

  it("answer /metrics with every process's counts, whichever process is scraped", async () => {
    const healthzCount = async (): Promise<number> => {
      const res = await fetch(`${site!.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}`, connection: "close" } });
      expect(res.status).toBe(200);
      const line = (await res.text()).split("\n").find((l) => l.startsWith('casebook_http_requests_total{method="GET",route="/healthz",status="200"}'));
      return Number(line?.split(" ").pop() ?? 0);
    };
    const before = await healthzCount();
    // New connections, accepted by whichever process the kernel wakes.
    for (let i = 0; i < 6; i++) await (await fetch(`${site!.baseUrl}/healthz`, { headers: { connection: "close" } })).arrayBuffer();
    // Twice: whichever process answers a scrape must count all six.
    expect(await healthzCount()).toBe(before + 6);
    expect(await healthzCount()).toBe(before + 6);
  });

  it("replace a process that dies, and keep answering meanwhile", async () => {
    const [victim] = childrenOf(site!.child.pid!);
    process.kill(victim!, "SIGKILL");
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${site!.baseUrl}/healthz`, { headers: { connection: "close" } });
      expect(res.status).toBe(200);
    }
    await until(() => {
      const now = childrenOf(site!.child.pid!);
      return now.length === 2 && !now.includes(victim!);
    }, "a new process replaced the killed one");
    expect(site!.output()).toMatch(new RegExp(`site process ${victim} stopped \\(SIGKILL\\); starting another`));
    // The replacement answers the supervisor's metrics collection before it has served anything:
    // every scrape succeeds, whichever process takes it.
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${site!.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}`, connection: "close" } });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("casebook_http_requests_total");
    }
  });

  it("all stop on SIGTERM, each finishing its work, and the supervisor exits 0", async () => {
    const workers = childrenOf(site!.child.pid!);
    const exited = new Promise<number | null>((resolve) => site!.child.once("exit", (code) => resolve(code)));
    site!.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(workers.every((pid) => !readdirSync("/proc").includes(String(pid)))).toBe(true);
    expect(site!.output()).toMatch(/all 2 site processes stopped/);
    expect(site!.output().match(/stopped in [\d.]+ s \(/g)?.length).toBe(2);
  });
});
