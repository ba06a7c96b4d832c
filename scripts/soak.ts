// npm run soak (issue 16 §11): load and faults against a real platform on loopback, reported in
// one table. Not part of npm test. Bounded: every phase has a fixed duration or count, and each
// deployment's run is stopped after 20 minutes.
//
// Two deployments, each on a fresh PocketBase with the demo content:
//   embedded    — one site process on the embedded search engine;
//   meilisearch — two site processes (scripts/serve.ts, CASEBOOK_PROCESSES=2) on a real
//                 Meilisearch (MEILI_BIN, a `meilisearch` on PATH, or ~/.cache/casebook/bin);
//                 without one it is reported as not run, with the reason.
// Phases, in order:
//   visitors    — N anonymous visitors for S seconds over home pages, the search page, post pages
//                 and the JSON API: every answer must be 200; p95 of the answers.
//   members     — M members writing and submitting posts, a moderator's four tabs claiming and
//                 approving them, for S seconds: every answer as expected, and afterwards every
//                 confirmed write is in PocketBase in the state its last answer said, nothing
//                 unconfirmed is, and each post's moderation history ends in its status.
//   pocketbase  — the same writing while PocketBase is killed (SIGKILL) and started again on the
//                 same data 6 s later: pages answer 503 with the friendly page meanwhile, the site
//                 recovers by itself, and the accounting above holds (a write refused during the
//                 outage is not in PocketBase, and none is half-applied).
//   meilisearch — (Meilisearch deployment) 100 approvals while Meilisearch is killed after the
//                 20th and started again once all are done: every approval succeeds, the search
//                 outbox drains, and the index holds exactly PocketBase's public set.
//   read-only   — PocketBase stopped, DATA_DIR made read-only (a read-only bind mount), PocketBase
//                 started on it: what it says, what the site answers; then the disk is writable
//                 again, PocketBase starts, SQLite's integrity check passes and every post is there.
//
// Flags: --seconds S (60) --visitors N (50) --members M (20) --approvals K (100)
//        --only embedded|meilisearch. Results: bench/results/soak-<time>.json and the table.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import PocketBase from "pocketbase";
import { buildIfStale, startSite } from "../tests/helpers/site.ts";
import { locateMeilisearch, newMasterKey, type RunningMeilisearch, startMeilisearch } from "./lib/meilisearch-process.ts";
import { ensurePocketBaseBinary } from "./lib/pocketbase-binary.ts";
import { freePort, migrateUp, type RunningPocketBase, startPocketBase, upsertSuperuser } from "./lib/pocketbase-process.ts";
import { DEMO_PASSWORD, seedDemo } from "./lib/seed.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const SUPERUSER = { email: "soak-superuser@casebook.test", password: "soak-superuser-password-0123" };
const MODERATOR = "moderator@casebook.example";
const RUN_DEADLINE_MS = 20 * 60_000;

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i === -1 ? undefined : process.argv[i + 1];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} needs a whole number, got "${raw}"`);
  return n;
}
const SECONDS = flag("seconds", 60);
const VISITORS = flag("visitors", 50);
const MEMBERS = flag("members", 20);
const APPROVALS = flag("approvals", 100);
const onlyIndex = process.argv.indexOf("--only");
const ONLY = onlyIndex === -1 ? null : process.argv[onlyIndex + 1];
const childMode = process.argv.includes("--deployment") ? process.argv[process.argv.indexOf("--deployment") + 1] : null;

const log = (line: string) => console.log(`[soak${childMode ? `:${childMode}` : ""}] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** One row of the table. */
type Row = { deployment: string; phase: string; ok: boolean; figures: string; problems: string[] };

// ---------------------------------------------------------------------------------------------
// A browser-like client: cookies, Origin on posts, one X-Forwarded-For per person (the site
// trusts loopback as its proxy here, so each member has an address of their own, as in life).

class Browser {
  cookies = new Map<string, string>();
  readonly base: string;
  readonly address: string;
  constructor(base: string, address: string) {
    this.base = base;
    this.address = address;
  }

  async fetch(pathname: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("x-forwarded-for", this.address);
    if (this.cookies.size) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    if (init.method && init.method !== "GET") headers.set("origin", this.base);
    const res = await fetch(this.base + pathname, { ...init, headers, redirect: "manual", signal: AbortSignal.timeout(30_000) });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(";")[0] ?? "";
      const i = pair.indexOf("=");
      const value = pair.slice(i + 1).trim();
      if (value === "" || /max-age=0/i.test(c)) this.cookies.delete(pair.slice(0, i).trim());
      else this.cookies.set(pair.slice(0, i).trim(), value);
    }
    return res;
  }

  form(pathname: string, fields: Record<string, string>): Promise<Response> {
    return this.fetch(pathname, { method: "POST", body: new URLSearchParams(fields) });
  }

  async signIn(email: string): Promise<this> {
    this.cookies.set("casebook_lang", "en");
    const res = await this.form("/signin?_action=signIn", { email, password: DEMO_PASSWORD });
    await res.arrayBuffer();
    if (res.status !== 302 && res.status !== 303) throw new Error(`sign-in of ${email} answered ${res.status}`);
    return this;
  }
}

function describeError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Up to five distinct problems, with how often each happened. */
function summarise(problems: string[]): string[] {
  const counts = new Map<string, number>();
  for (const p of problems) counts.set(p, (counts.get(p) ?? 0) + 1);
  return [...counts].slice(0, 5).map(([p, n]) => (n > 1 ? `${p} (×${n})` : p));
}

// ---------------------------------------------------------------------------------------------
// Phases.

async function visitorsPhase(base: string, paths: string[]): Promise<{ ok: boolean; figures: string; problems: string[] }> {
  const deadline = Date.now() + SECONDS * 1000;
  const latencies: number[] = [];
  const problems: string[] = [];
  let answered = 0;
  await Promise.all(
    Array.from({ length: VISITORS }, async (_, v) => {
      const browser = new Browser(base, `203.0.113.${v + 1}`);
      let i = v * 13;
      while (Date.now() < deadline) {
        const p = paths[i++ % paths.length]!;
        const started = performance.now();
        try {
          const res = await browser.fetch(p);
          await res.arrayBuffer();
          answered++;
          if (res.status === 200) latencies.push(performance.now() - started);
          else problems.push(`${p.replace(/\?.*/, "?…")} → ${res.status}`);
        } catch (error) {
          problems.push(`${p.replace(/\?.*/, "?…")} → ${describeError(error)}`);
        }
      }
    }),
  );
  return {
    ok: problems.length === 0 && answered > 0,
    figures: `${VISITORS} visitors × ${SECONDS} s: ${answered} requests, ${round(answered / SECONDS, 0)} req/s, p95 ${round(percentile(latencies, 95))} ms, p50 ${round(percentile(latencies, 50))} ms, ${problems.length} errors`,
    problems: summarise(problems),
  };
}

/** What the writers and the moderator were told, to be checked against PocketBase afterwards. */
type Ledger = {
  tag: string;
  /** Posts whose submission was confirmed (303 to the dashboard), by id → title. */
  submitted: Map<string, string>;
  /** Posts whose approval was confirmed. */
  approved: Set<string>;
  /** Unexpected answers (outside an announced outage). */
  problems: string[];
  /** Answers during an outage: refused, as they should be (status → count). */
  refusedDuringOutage: Map<string, number>;
  writes: number;
};

function newLedger(tag: string): Ledger {
  return { tag, submitted: new Map(), approved: new Set(), problems: [], refusedDuringOutage: new Map(), writes: 0 };
}

function caseStudy(organization: string, title: string): Record<string, string> {
  return {
    kind: "case_study",
    organization,
    title,
    language: "en",
    outcome: "partial",
    care_settings: "care_home",
    ai_types: "nlp",
    lifecycle_stage: "pilot",
    summary: "A soak-test pilot: a scheduling model tried on two wards and kept on one.",
    body_md: "## Context\n\nTwo wards tried a scheduling model for twelve weeks. One kept it, one did not, and the note says why.",
    intent: "submit",
  };
}

/** One post written and submitted through the form; booked in the ledger when the site confirmed it. */
async function submit(browser: Browser, organization: string, title: string, ledger: Ledger): Promise<{ id: string } | { refused: string }> {
  ledger.writes++;
  try {
    const res = await browser.form("/write?_action=savePost", caseStudy(organization, title));
    await res.arrayBuffer();
    const id = /\/dashboard\/posts\/([a-z0-9]{15})\?submitted=1$/.exec(res.headers.get("location") ?? "")?.[1];
    if (res.status === 303 && id) {
      ledger.submitted.set(id, title);
      return { id };
    }
    return { refused: `${res.status} ${res.headers.get("location") ?? ""}`.trim() };
  } catch (error) {
    return { refused: describeError(error) };
  }
}

/**
 * Members write and submit, the moderator claims and approves, until `until()` says stop and the
 * moderator has caught up (or `drainMs` passed). `outage()` tells whether a refusal is expected.
 */
async function writingPhase(options: {
  base: string;
  members: { email: string; org: string }[];
  ledger: Ledger;
  seconds: number;
  outage?: () => boolean;
  pauseMs?: number;
  moderatorTabs?: number;
  drainMs?: number;
}): Promise<void> {
  const { base, ledger } = options;
  const inOutage = options.outage ?? (() => false);
  const deadline = Date.now() + options.seconds * 1000;
  const queue: string[] = [];
  const claimed = new Set<string>();
  let writersDone = false;
  const refuse = (what: string, status: string) => {
    if (inOutage()) ledger.refusedDuringOutage.set(status, (ledger.refusedDuringOutage.get(status) ?? 0) + 1);
    else ledger.problems.push(`${what} → ${status}`);
  };

  const writers = options.members.map(async (m, i) => {
    const browser = await new Browser(base, `198.51.100.${i + 1}`).signIn(m.email);
    for (let n = 0; Date.now() < deadline; n++) {
      const title = `Soak ${ledger.tag} m${i} n${n}`;
      const outcome = await submit(browser, m.org, title, ledger);
      if ("id" in outcome) queue.push(outcome.id);
      else refuse("save and submit", outcome.refused);
      if (options.pauseMs) await sleep(options.pauseMs);
    }
  });

  const moderator = await new Browser(base, "192.0.2.10").signIn(MODERATOR);
  const drainDeadline = () => (writersDone ? writersEnded + (options.drainMs ?? 60_000) : Number.POSITIVE_INFINITY);
  let writersEnded = 0;
  const tabs = Array.from({ length: options.moderatorTabs ?? 4 }, async () => {
    while (!(writersDone && queue.length === 0) && Date.now() < drainDeadline()) {
      const id = queue.shift();
      if (!id) {
        await sleep(50);
        continue;
      }
      let done = true;
      for (const decision of claimed.has(id) ? ["approve"] : ["claim", "approve"]) {
        try {
          const res = await moderator.form(`/moderation/posts/${id}?_action=moderatePost`, { postId: id, decision, note: "" });
          await res.arrayBuffer();
          // 303 back to the moderation pages; to the sign-in page would mean "not done".
          if (res.status !== 303 || /signin/.test(res.headers.get("location") ?? "")) {
            refuse(decision, `${res.status} ${res.headers.get("location") ?? ""}`.trim());
            done = false;
            break;
          }
          if (decision === "claim") claimed.add(id);
        } catch (error) {
          refuse(decision, describeError(error));
          done = false;
          break;
        }
      }
      if (done) ledger.approved.add(id);
      else {
        // A moderator tries again later (a claim that went through stays theirs).
        queue.push(id);
        await sleep(500);
      }
    }
  });
  await Promise.all(writers);
  writersDone = true;
  writersEnded = Date.now();
  await Promise.all(tabs);
}

/** Checks PocketBase against what the site confirmed; returns the problems found. */
async function account(pb: PocketBase, ledger: Ledger): Promise<{ problems: string[]; stored: number; published: number; unconfirmed: string[] }> {
  const problems: string[] = [];
  const posts = await pb.collection("posts").getFullList({ filter: pb.filter("title ~ {:tag}", { tag: `Soak ${ledger.tag} ` }), fields: "id,title,status" });
  const byId = new Map(posts.map((p) => [p.id, p]));
  for (const [id, title] of ledger.submitted) {
    const post = byId.get(id);
    if (!post) problems.push(`confirmed write lost: ${title}`);
    else if (ledger.approved.has(id) && post.status !== "published") problems.push(`confirmed approval lost: ${title} is ${post.status}`);
    else if (!ledger.approved.has(id) && post.status !== "pending_review" && post.status !== "in_review")
      problems.push(`${title} is ${post.status}, expected pending_review`);
  }
  // A write PocketBase committed just before it was killed, whose answer the site never got: the
  // member saw an error, yet the post is there (in their dashboard). Reported, and a failure
  // only where no outage explains it.
  const unconfirmed = posts.filter((p) => !ledger.submitted.has(p.id)).map((p) => `${p.title} (${p.status})`);
  // No half-applied transition: each post's last moderation event leads to its status, and a
  // published post has its search outbox row.
  const events = await pb
    .collection("moderation_events")
    .getFullList({ filter: pb.filter("post.title ~ {:tag}", { tag: `Soak ${ledger.tag} ` }), fields: "post,to_status,created", sort: "created,@rowid" });
  const last = new Map<string, string>();
  for (const e of events) last.set(e.post, e.to_status);
  const outboxRows = await pb.collection("search_outbox").getFullList({ filter: "collection_name = 'posts'", fields: "record" });
  const withOutbox = new Set(outboxRows.map((r) => r.record));
  for (const post of posts) {
    if (last.get(post.id) !== post.status) problems.push(`${post.title}: status ${post.status}, last event to ${last.get(post.id) ?? "none"}`);
    if (post.status === "published" && !withOutbox.has(post.id)) problems.push(`${post.title}: published without a search outbox row`);
  }
  return { problems, stored: posts.length, published: posts.filter((p) => p.status === "published").length, unconfirmed };
}

function ledgerFigures(ledger: Ledger, checked: { stored: number; published: number; unconfirmed: string[] }): string {
  const refused = [...ledger.refusedDuringOutage].map(([s, n]) => `${n}×${s}`).join(", ");
  return `${ledger.writes} writes tried, ${ledger.submitted.size} confirmed, ${ledger.approved.size} approvals confirmed; in PocketBase: ${checked.stored} stored (${checked.unconfirmed.length} without a confirmation), ${checked.published} published${refused ? `; refused during the outage: ${refused}` : ""}`;
}

// ---------------------------------------------------------------------------------------------
// One deployment, in a process of its own (the domain modules read their configuration once).

async function runDeployment(kind: "embedded" | "meilisearch"): Promise<Row[]> {
  const rows: Row[] = [];
  const row = (phase: string, r: { ok: boolean; figures: string; problems: string[] }) => {
    rows.push({ deployment: kind, phase, ...r });
    log(`${phase}: ${r.ok ? "ok" : "FAILED"} — ${r.figures}${r.problems.length ? `\n    ${r.problems.join("\n    ")}` : ""}`);
  };
  const cleanup: (() => Promise<void> | void)[] = [];
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `casebook-soak-${kind}-`));
  cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
  try {
    const meiliSource = kind === "meilisearch" ? locateMeilisearch(meiliEnv()) : null;
    if (meiliSource && meiliSource.kind !== "bin") throw new Error(meiliSource.kind === "none" ? meiliSource.reason : "needs a Meilisearch binary, not a URL");
    const bin = await ensurePocketBaseBinary(log);
    await buildIfStale();
    await migrateUp(bin, dataDir);
    await upsertSuperuser(bin, dataDir, SUPERUSER.email, SUPERUSER.password);
    const pbPort = await freePort();
    let pocket: RunningPocketBase = await startPocketBase({ bin, dataDir, port: pbPort });
    cleanup.push(() => pocket.stop());
    const pb = new PocketBase(pocket.url);
    pb.autoCancellation(false);
    await pb.collection("_superusers").authWithPassword(SUPERUSER.email, SUPERUSER.password);
    await seedDemo(pb);
    const members = await makeMembers(pb);

    let meili: RunningMeilisearch | undefined;
    const meiliDir = path.join(dataDir, "meilisearch");
    const meiliPort = await freePort();
    const masterKey = newMasterKey();
    if (meiliSource?.kind === "bin") {
      meili = await startMeilisearch({ bin: meiliSource.bin, dataDir: meiliDir, port: meiliPort, masterKey });
      cleanup.push(() => meili?.stop());
    }
    const site = await startSite({
      POCKETBASE_URL: pocket.url,
      PB_SUPERUSER_EMAIL: SUPERUSER.email,
      PB_SUPERUSER_PASSWORD: SUPERUSER.password,
      DATA_DIR: dataDir,
      CASEBOOK_SECRET: "soak-signing-secret-0123456789abcdef-0123",
      TRUSTED_PROXIES: "127.0.0.1,::1",
      CASEBOOK_DIGESTS: "0",
      CASEBOOK_LOG: "off",
      // As deployed: public pages read through the projection cache.
      CASEBOOK_PROJECTION_CACHE: "on",
      NODE_ENV: "production",
      ...(meili
        ? { CASEBOOK_PROCESSES: "2", MEILI_URL: meili.url, MEILI_MASTER_KEY: masterKey }
        : { MEILI_URL: "", MEILI_MASTER_KEY: "", CASEBOOK_PROCESSES: "1" }),
    });
    cleanup.unshift(() => site.stop());
    const base = site.baseUrl;
    // The index must hold the demo content before visitors search it.
    await until(async () => {
      const h = (await (await fetch(`${base}/healthz`)).json()) as { search: { ok: boolean; documents?: number } };
      return h.search.ok && (h.search.documents === undefined || h.search.documents > 0);
    }, 120_000);

    // 1. Visitors.
    const published = await pb.collection("posts").getFullList({ filter: "status = 'published'", fields: "slug" });
    const words = ["robot", "sepsis", "chute", "valdetectie", "triage", "planning", "pilot", "sepssi", "medicaton", "domicile"];
    const paths = [
      "/en/",
      "/fr/",
      "/nl/",
      "/en/failures",
      ...words.map((w) => `/en/search?q=${encodeURIComponent(w)}`),
      ...published.map((p) => `/en/posts/${p.slug}`),
      ...words.map((w) => `/api/search?q=${encodeURIComponent(w)}`),
      ...published.slice(0, 10).map((p) => `/api/posts/${p.slug}`),
    ];
    row("visitors", await visitorsPhase(base, paths));

    // 2. Members writing, submitting and moderating.
    const writing = newLedger(`${Date.now().toString(36)}w`);
    await writingPhase({ base, members, ledger: writing, seconds: SECONDS, pauseMs: 300 });
    const checked = await account(pb, writing);
    const problems = [...writing.problems, ...checked.problems, ...checked.unconfirmed.map((t) => `stored without a confirmation: ${t}`)];
    row("members", {
      ok: problems.length === 0 && writing.submitted.size > 0,
      figures: `${MEMBERS} members × ${SECONDS} s: ${ledgerFigures(writing, checked)}`,
      problems: summarise(problems),
    });

    // 3. PocketBase killed and restarted during writes.
    {
      const ledger = newLedger(`${Date.now().toString(36)}p`);
      let down = false;
      let downSince = 0;
      let upAt = 0;
      const outage = { pages: new Map<string, number>(), friendly: 0, recoveredMs: NaN };
      const fault = (async () => {
        await sleep(5000);
        down = true;
        downSince = Date.now();
        pocket.child.kill("SIGKILL");
        await pocket.exited;
        const probe = new Browser(base, "192.0.2.50");
        const probeUntil = Date.now() + 6000;
        while (Date.now() < probeUntil) {
          const res = await probe.fetch("/en/").catch(() => null);
          const html = res ? await res.text() : "";
          const key = res ? String(res.status) : "no answer";
          outage.pages.set(key, (outage.pages.get(key) ?? 0) + 1);
          if (res?.status === 503 && html.includes("Something went wrong on our side") && res.headers.get("retry-after")) outage.friendly++;
          await sleep(250);
        }
        pocket = await startPocketBase({ bin, dataDir, port: pbPort });
        upAt = Date.now();
        for (;;) {
          const res = await probe.fetch("/en/").catch(() => null);
          await res?.arrayBuffer();
          if (res?.status === 200) break;
          if (Date.now() - upAt > 60_000) break;
          await sleep(100);
        }
        outage.recoveredMs = Date.now() - upAt;
        // Requests in flight when PocketBase came back may still fail: one more second of grace.
        await sleep(1000);
        down = false;
      })();
      await writingPhase({ base, members, ledger, seconds: 20, pauseMs: 300, outage: () => down, drainMs: 60_000 });
      await fault;
      await pb.collection("_superusers").authWithPassword(SUPERUSER.email, SUPERUSER.password);
      const checkedFault = await account(pb, ledger);
      const pages = [...outage.pages].map(([s, n]) => `${n}×${s}`).join(", ");
      const faultProblems = [...ledger.problems, ...checkedFault.problems];
      const pageProblems = [...outage.pages.keys()].filter((s) => s !== "503").map((s) => `a page answered ${s} while PocketBase was down`);
      if (outage.friendly === 0) pageProblems.push("no friendly 503 page with Retry-After while PocketBase was down");
      if (!(outage.recoveredMs < 60_000)) pageProblems.push("the site did not recover within 60 s of PocketBase's return");
      row("pocketbase killed", {
        ok: faultProblems.length === 0 && pageProblems.length === 0 && ledger.submitted.size > 0,
        figures: `down ${round((upAt - downSince) / 1000)} s; pages meanwhile: ${pages} (${outage.friendly} friendly 503s); recovered ${round(outage.recoveredMs / 1000, 2)} s after PocketBase was back; ${ledgerFigures(ledger, checkedFault)}`,
        problems: summarise([...pageProblems, ...faultProblems]),
      });
    }

    // 4. Meilisearch killed during approvals.
    if (meili) {
      const ledger = newLedger(`${Date.now().toString(36)}m`);
      const perMember = Math.ceil(APPROVALS / members.length);
      // Submissions first (Meilisearch up), then the approvals with Meilisearch going away.
      const writersOnly = await prepareSubmissions(base, members, ledger, perMember);
      const ids = [...writersOnly].slice(0, APPROVALS);
      const moderator = await new Browser(base, "192.0.2.11").signIn(MODERATOR);
      let approvedCount = 0;
      let killedAt = NaN;
      let next = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (;;) {
            const id = ids[next++];
            if (!id) return;
            for (const decision of ["claim", "approve"]) {
              const res = await moderator
                .form(`/moderation/posts/${id}?_action=moderatePost`, { postId: id, decision, note: "" })
                .catch((e: unknown) => describeError(e));
              if (typeof res === "string" || res.status !== 303 || /signin/.test(res.headers.get("location") ?? "")) {
                ledger.problems.push(`${decision} → ${typeof res === "string" ? res : res.status}`);
                break;
              }
              await res.arrayBuffer();
              if (decision === "approve") {
                ledger.approved.add(id);
                approvedCount++;
                if (approvedCount === 20) {
                  killedAt = approvedCount;
                  meili!.child.kill("SIGKILL");
                }
              }
            }
          }
        }),
      );
      await meili.exited;
      const healthDown = (await (await fetch(`${base}/healthz`)).json()) as { outbox: { backlog: number | null } };
      meili = await startMeilisearch({ bin: (meiliSource as { bin: string }).bin, dataDir: meiliDir, port: meiliPort, masterKey });
      const restarted = Date.now();
      let backlog: number | null = null;
      await until(async () => {
        backlog = ((await (await fetch(`${base}/healthz`)).json()) as { outbox: { backlog: number | null } }).outbox.backlog;
        return backlog === 0;
      }, 360_000).catch(() => undefined);
      const drainedS = (Date.now() - restarted) / 1000;
      const publicIds = new Set([
        ...(await pb.collection("posts").getFullList({ filter: "status = 'published'", fields: "id" })).map((r) => r.id),
        ...(await pb.collection("funding_calls").getFullList({ filter: "status != 'draft'", fields: "id" })).map((r) => r.id),
      ]);
      const docs = (await (
        await fetch(`${meili.url}/indexes/posts/documents?limit=100000&fields=id`, { headers: { authorization: `Bearer ${masterKey}` } })
      ).json()) as { results: { id: string }[] };
      const indexed = new Set(docs.results.map((d) => d.id));
      const missing = [...publicIds].filter((id) => !indexed.has(id));
      const extra = [...indexed].filter((id) => !publicIds.has(id));
      const checkedMeili = await account(pb, ledger);
      const problems = [...ledger.problems, ...checkedMeili.problems, ...checkedMeili.unconfirmed.map((t) => `stored without a confirmation: ${t}`)];
      if (backlog !== 0) problems.push(`the search outbox still held ${backlog} rows ${round(drainedS)} s after Meilisearch returned`);
      if (missing.length) problems.push(`${missing.length} public records missing from the index`);
      if (extra.length) problems.push(`${extra.length} records in the index that are not public`);
      row("meilisearch killed", {
        ok: problems.length === 0 && ledger.approved.size === ids.length,
        figures: `${ids.length} approvals, Meilisearch killed after the ${killedAt}th: ${ledger.approved.size} confirmed; backlog while down ${healthDown.outbox.backlog}; drained ${round(drainedS)} s after its return; index ${indexed.size} documents = PocketBase's public set ${publicIds.size}: ${missing.length === 0 && extra.length === 0 ? "yes" : "no"}`,
        problems: summarise(problems),
      });
    } else {
      rows.push({ deployment: kind, phase: "meilisearch killed", ok: true, figures: "not applicable (embedded engine)", problems: [] });
    }

    // 5. DATA_DIR read-only.
    {
      const before = await pb.collection("posts").getList(1, 1, { fields: "id" });
      await pocket.stop();
      let mounted = false;
      const problems: string[] = [];
      let said = "";
      let pageDuring = "";
      try {
        execFileSync("mount", ["--bind", dataDir, dataDir]);
        mounted = true;
        execFileSync("mount", ["-o", "remount,ro,bind", dataDir]);
        const output: string[] = [];
        try {
          pocket = await startPocketBase({ bin, dataDir, port: pbPort, onOutput: (line) => output.push(line) });
          said = "PocketBase started on the read-only disk";
          const write = await pb
            .collection("posts")
            .update(before.items[0]!.id, { title: "read-only probe" })
            .then(() => "a write succeeded")
            .catch((e: Error) => `a write was refused: ${e.message}`);
          said += `; ${write}`;
          await pocket.stop();
        } catch (error) {
          // Its last words (the output may arrive just after the exit).
          await sleep(300);
          const reason = output.filter((l) => !/CREATE TABLE|^\[/.test(l)).at(-1) ?? (error as Error).message.split("\n")[0]!;
          said = `PocketBase refused to start: ${reason.replace(/^\d{4}\/\d\d\/\d\d [\d:]+ /, "")}`;
        }
        const res = await fetch(`${base}/en/`).catch(() => null);
        pageDuring = res ? `${res.status}${res.headers.get("retry-after") ? " with Retry-After" : ""}` : "no answer";
        if (res?.status !== 503) problems.push(`the home page answered ${pageDuring} while PocketBase could not run`);
      } catch (error) {
        said = `not run: ${(error as Error).message.split("\n")[0]}`;
      } finally {
        // A PocketBase killed a moment ago may still hold the mount: try again, then detach it.
        for (let i = 0; mounted && i < 20; i++) {
          try {
            execFileSync("umount", [dataDir], { stdio: "ignore" });
            mounted = false;
          } catch {
            await sleep(250);
          }
        }
        if (mounted) execFileSync("umount", ["-l", dataDir]);
      }
      pocket = await startPocketBase({ bin, dataDir, port: pbPort });
      await pb.collection("_superusers").authWithPassword(SUPERUSER.email, SUPERUSER.password);
      const db = new DatabaseSync(path.join(dataDir, "pb_data", "data.db"), { readOnly: true });
      const integrity = (db.prepare("PRAGMA integrity_check").all() as { integrity_check: string }[]).map((r) => r.integrity_check).join(", ");
      db.close();
      const after = await pb.collection("posts").getList(1, 1, { fields: "id" });
      if (integrity !== "ok") problems.push(`integrity check: ${integrity}`);
      if (after.totalItems !== before.totalItems) problems.push(`${before.totalItems} posts before, ${after.totalItems} after`);
      let recovered = false;
      for (let i = 0; i < 100 && !recovered; i++) {
        const res = await fetch(`${base}/en/`).catch(() => null);
        await res?.arrayBuffer();
        recovered = res?.status === 200;
        if (!recovered) await sleep(100);
      }
      if (!recovered) problems.push("the site did not recover once PocketBase was back on a writable disk");
      row("read-only disk", {
        ok: problems.length === 0 && !said.startsWith("not run"),
        figures: `${said}; home page meanwhile ${pageDuring || "—"}; afterwards integrity ${integrity}, ${after.totalItems}/${before.totalItems} posts, site ${recovered ? "recovered" : "not recovered"}`,
        problems,
      });
    }
  } catch (error) {
    rows.push({ deployment: kind, phase: "setup", ok: false, figures: "the run stopped", problems: [(error as Error).stack ?? String(error)] });
  } finally {
    for (const step of cleanup) await Promise.resolve(step()).catch(() => undefined);
  }
  return rows;
}

function meiliEnv(): NodeJS.ProcessEnv {
  const cached = path.join(os.homedir(), ".cache", "casebook", "bin", "meilisearch");
  const env: NodeJS.ProcessEnv = { ...process.env, MEILI_URL: "" };
  if (!env.MEILI_BIN && existsSync(cached)) env.MEILI_BIN = cached;
  return env;
}

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`not reached within ${ms / 1000} s`);
    await sleep(250);
  }
}

/** Members of two verified organisations (editors), signed in through the site by the phases. */
async function makeMembers(pb: PocketBase): Promise<{ email: string; org: string }[]> {
  const orgs = [];
  for (const n of [1, 2]) {
    orgs.push(
      await pb.collection("organizations").create({
        name: `Soak Care Home ${n}`,
        slug: `soak-care-home-${n}`,
        kind: "care_home",
        region: "flanders",
        country: "BE",
        verified: true,
        verification_status: "verified",
      }),
    );
  }
  const members = [];
  for (let i = 0; i < MEMBERS; i++) {
    const email = `soak-member-${i}@example.test`;
    const user = await pb.collection("users").create({
      email,
      name: `Soak Member ${i}`,
      role: "member",
      locale: "en",
      password: DEMO_PASSWORD,
      passwordConfirm: DEMO_PASSWORD,
      verified: true,
    });
    const org = orgs[i % orgs.length]!;
    await pb.collection("memberships").create({ user: user.id, organization: org.id, role: "editor", status: "active" });
    members.push({ email, org: org.id });
  }
  return members;
}

/** Each member submits `perMember` posts (no moderation); the confirmed ids. */
async function prepareSubmissions(base: string, members: { email: string; org: string }[], ledger: Ledger, perMember: number): Promise<string[]> {
  const ids: string[] = [];
  await Promise.all(
    members.map(async (m, i) => {
      const browser = await new Browser(base, `198.51.100.${i + 101}`).signIn(m.email);
      for (let n = 0; n < perMember; n++) {
        const title = `Soak ${ledger.tag} m${i} n${n}`;
        const outcome = await submit(browser, m.org, title, ledger);
        if ("id" in outcome) ids.push(outcome.id);
        else ledger.problems.push(`save and submit → ${outcome.refused}`);
      }
    }),
  );
  return ids;
}

// ---------------------------------------------------------------------------------------------
// The parent: each deployment in a child process, then one table.

function table(rows: Row[]): string {
  const lines = ["| deployment | phase | result | figures |", "|---|---|---|---|"];
  for (const r of rows)
    lines.push(`| ${r.deployment} | ${r.phase} | ${r.ok ? "ok" : "FAILED"} | ${r.figures}${r.problems.length ? ` — ${r.problems.join("; ")}` : ""} |`);
  return lines.join("\n");
}

if (childMode === "embedded" || childMode === "meilisearch") {
  const out = process.argv[process.argv.indexOf("--out") + 1]!;
  const rows = await runDeployment(childMode);
  writeFileSync(out, JSON.stringify(rows));
  process.exit(0);
} else {
  const started = new Date();
  const deployments: ("embedded" | "meilisearch")[] = ONLY === "embedded" || ONLY === "meilisearch" ? [ONLY] : ["embedded", "meilisearch"];
  const rows: Row[] = [];
  log(`${VISITORS} visitors and ${MEMBERS} members for ${SECONDS} s each, ${APPROVALS} approvals; ${os.cpus().length} CPUs`);
  for (const kind of deployments) {
    if (kind === "meilisearch") {
      const source = locateMeilisearch(meiliEnv());
      if (source.kind !== "bin") {
        rows.push({
          deployment: kind,
          phase: "all",
          ok: true,
          figures: `not run: ${source.kind === "none" ? source.reason : "needs a Meilisearch binary"}`,
          problems: [],
        });
        log(`meilisearch deployment not run: ${rows.at(-1)!.figures}`);
        continue;
      }
    }
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), "casebook-soak-out-")), "rows.json");
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...process.argv.slice(2), "--deployment", kind, "--out", out], {
      stdio: "inherit",
      cwd: root,
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_DEADLINE_MS);
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    clearTimeout(timer);
    if (existsSync(out)) rows.push(...(JSON.parse(readFileSync(out, "utf8")) as Row[]));
    else rows.push({ deployment: kind, phase: "all", ok: false, figures: `the run ended without results (exit ${code})`, problems: [] });
    rmSync(path.dirname(out), { recursive: true, force: true });
  }
  const report = table(rows);
  console.log(`\n${report}\n`);
  const dir = path.join(root, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `soak-${started.toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ started: started.toISOString(), seconds: SECONDS, visitors: VISITORS, members: MEMBERS, approvals: APPROVALS, rows }, null, 2)}\n`,
  );
  log(`results: ${path.relative(root, file)}`);
  process.exit(rows.every((r) => r.ok) ? 0 : 1);
}
