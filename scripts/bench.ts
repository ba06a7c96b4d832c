// `npm run bench [-- --posts N --duration S --samples N --heap-mb MB --hold]`: measures Casebook against the
// budgets of DESIGN.md §8 on this machine. Seeds a throwaway PocketBase with N synthetic
// published posts (Zipf-distributed EN/FR/NL vocabulary, bodies of 300–1,500 words), starts
// the built site with the embedded engine on loopback, and measures: bulk index time and
// server memory; /api/search latency and throughput (plain, typo and faceted queries, 1 and
// 16 connections); SSR throughput of a post page and the search page relative to a static
// file; publish → searchable latency through the outbox; JavaScript shipped. Prints a table
// and writes bench/results/<date>.json. Not part of `npm test`: a 20,000-post run takes minutes.
import { gzipSync } from "node:zlib";
import { createRequire } from "node:module";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type PocketBase from "pocketbase";
import { connectAsSuperuser } from "../src/lib/server/pocketbase.ts";
import { TEST_SUPERUSER, startTestPocketBase } from "../tests/helpers/pocketbase.ts";
import { buildIfStale, startSite } from "../tests/helpers/site.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
// autocannon ships no type declarations; this is the part of its API used here.
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

// ---------------------------------------------------------------------------------------
// Options

const args = process.argv.slice(2);
function flag(name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`--${name} needs a positive whole number`);
    process.exit(2);
  }
  return value;
}
const POSTS = flag("posts", 20_000);
const DURATION = flag("duration", 10);
const SAMPLES = flag("samples", 30);
const SEED = flag("seed", 20260101);
// Node sizes its heap from the machine's memory (GBs here) and collects lazily, so RSS grows
// far past the live data under load; --heap-mb caps the server's old space as a deployment would.
const HEAP_MB = args.includes("--heap-mb") ? flag("heap-mb", 0) : null;
const BUDGET_POSTS = 20_000;
const HOLD = args.includes("--hold");

const log = (line: string) => console.log(`[bench] ${line}`);

// ---------------------------------------------------------------------------------------
// Synthetic corpus: a seeded PRNG, per-language Zipf vocabularies, post records

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(SEED);
const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const chance = (p: number) => random() < p;
function some<T>(items: readonly T[], min: number, max: number): T[] {
  const n = int(min, Math.min(max, items.length));
  return [...items].sort(() => random() - 0.5).slice(0, n);
}

// The most frequent words of each language come first (stop words included, as in real
// text); a generated tail of language-flavoured words gives the long Zipf tail.
const COMMON = {
  en: "the of and to a in for is on that with was as it by we at be this from our were not are an have which but had their they patients model data care staff nurses hospital project pilot system team time alerts training results clinical work ward data protection would could more than after before also first one two three each only when what about into because all out new use used using how there been has them these other some most many very well then where who so if no may need needed without between during over under both while such through against across workflow evaluation risk accuracy vendor integration governance budget funding application outcome lessons learned failure success threshold sensitivity specificity validation deployment monitoring feedback radiology triage discharge letters medication scheduling prediction language speech recognition vision imaging sensors falls night residents home visits routes optimisation chatbot questions families privacy consent ethics board steering group clinicians physicians pharmacists managers documentation record electronic health interoperability standards procurement contract costs savings hours minutes weeks months year".split(
    " ",
  ),
  fr: "le de la les et des un une du en à pour est dans sur que qui au avec par pas nous a été ce plus ont sont mais aux ou son ses leur leurs cette ces comme tout très bien sans entre pendant après avant aussi deux trois mois semaines jours patients modèle données soins équipe infirmières infirmiers hôpital projet pilote système temps alertes formation résultats clinique travail service protection des données aurait pourrait charge domicile maison repos résidents tournées visites optimisation reconnaissance vocale notes dossier patient médicaments prescription chute capteurs nuit évaluation risque précision fournisseur intégration gouvernance budget financement demande refusée résultat leçons échec réussite seuil sensibilité validation déploiement suivi retour radiologie tri sortie lettres planification prédiction langage images familles vie privée consentement éthique comité direction médecins pharmaciens gestionnaires documentation électronique santé interopérabilité normes achat contrat coûts économies heures minutes année appel projets critères éligibilité impact qualité".split(
    " ",
  ),
  nl: "de het een van en in op te voor is dat met die zijn niet aan er om door bij ook als maar werd werden was we wij ons onze hun dit deze naar uit over tot nog meer dan na voor tijdens zonder tussen twee drie maanden weken dagen patiënten model gegevens zorg team verpleegkundigen ziekenhuis project pilot systeem tijd meldingen opleiding resultaten klinisch werk afdeling gegevensbescherming zou kon thuiszorg woonzorgcentrum bewoners rondes bezoeken optimalisatie spraakherkenning notities dossier medicatie voorschrift val valdetectie sensoren nacht evaluatie risico nauwkeurigheid leverancier integratie governance budget financiering aanvraag afgewezen uitkomst lessen mislukking succes drempel gevoeligheid validatie uitrol opvolging feedback radiologie triage ontslag brieven planning voorspelling taal beelden families privacy toestemming ethiek comité stuurgroep artsen apothekers managers documentatie elektronisch gezondheid interoperabiliteit standaarden aankoop contract kosten besparingen uren minuten jaar oproep projecten criteria impact kwaliteit".split(
    " ",
  ),
} as const;
const SYLLABLES = {
  en: [
    "ab",
    "ac",
    "al",
    "an",
    "ar",
    "be",
    "ca",
    "con",
    "de",
    "dis",
    "el",
    "en",
    "er",
    "ex",
    "for",
    "ga",
    "im",
    "in",
    "ing",
    "ion",
    "ist",
    "ly",
    "ment",
    "ness",
    "or",
    "per",
    "pre",
    "pro",
    "re",
    "sta",
    "ter",
    "tion",
    "un",
    "ure",
    "ver",
    "wor",
  ],
  fr: [
    "a",
    "ai",
    "au",
    "ba",
    "che",
    "ci",
    "con",
    "dé",
    "eau",
    "en",
    "ent",
    "é",
    "fi",
    "gé",
    "ier",
    "ique",
    "la",
    "lé",
    "ment",
    "mi",
    "ne",
    "oir",
    "on",
    "pa",
    "pré",
    "que",
    "ré",
    "sa",
    "sion",
    "té",
    "teur",
    "tion",
    "tré",
    "ue",
    "vi",
    "ure",
  ],
  nl: [
    "aan",
    "baar",
    "be",
    "ber",
    "de",
    "der",
    "drie",
    "ee",
    "eer",
    "en",
    "ge",
    "gen",
    "heid",
    "ij",
    "ing",
    "ke",
    "kel",
    "lijk",
    "ling",
    "meer",
    "ner",
    "oe",
    "ont",
    "oor",
    "raad",
    "schap",
    "sche",
    "ste",
    "ter",
    "uit",
    "ver",
    "vol",
    "waar",
    "zorg",
    "zaam",
    "ijk",
  ],
} as const;
type Lang = keyof typeof COMMON;
const LANGS: Lang[] = ["en", "fr", "nl"];
const TAIL_WORDS = 12_000;
const ZIPF_S = 1.05;

type Vocabulary = { words: string[]; cumulative: Float64Array };
function vocabulary(lang: Lang): Vocabulary {
  const words = [...new Set(COMMON[lang])];
  const seen = new Set(words);
  while (words.length < COMMON[lang].length + TAIL_WORDS) {
    let word = "";
    for (let i = int(2, 4); i > 0; i--) word += pick(SYLLABLES[lang]);
    if (word.length >= 4 && !seen.has(word)) {
      seen.add(word);
      words.push(word);
    }
  }
  const cumulative = new Float64Array(words.length);
  let sum = 0;
  for (let r = 0; r < words.length; r++) cumulative[r] = sum += 1 / (r + 1) ** ZIPF_S;
  for (let r = 0; r < words.length; r++) cumulative[r]! /= sum;
  return { words, cumulative };
}
const VOCAB = Object.fromEntries(LANGS.map((l) => [l, vocabulary(l)])) as Record<Lang, Vocabulary>;

function zipfWord(lang: Lang, minRank = 0): string {
  const { words, cumulative } = VOCAB[lang];
  for (;;) {
    const u = random();
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= minRank) return words[lo]!;
  }
}
const sentence = (lang: Lang, n: number) => {
  const words = Array.from({ length: n }, () => zipfWord(lang));
  words[0] = words[0]!.charAt(0).toUpperCase() + words[0]!.slice(1);
  return `${words.join(" ")}.`;
};
function prose(lang: Lang, totalWords: number): { md: string; html: string } {
  const md: string[] = [];
  const html: string[] = [];
  let left = totalWords;
  let paragraph = 0;
  while (left > 0) {
    if (paragraph % 3 === 0) {
      const heading = Array.from({ length: int(2, 4) }, () => zipfWord(lang, 30)).join(" ");
      md.push(`## ${heading}`);
      html.push(`<h2>${heading}</h2>`);
    }
    const sentences: string[] = [];
    let inParagraph = Math.min(left, int(40, 120));
    left -= inParagraph;
    while (inParagraph > 0) {
      const n = Math.min(inParagraph, int(8, 20));
      sentences.push(sentence(lang, n));
      inParagraph -= n;
    }
    md.push(sentences.join(" "));
    html.push(`<p>${sentences.join(" ")}</p>`);
    paragraph++;
  }
  return { md: md.join("\n\n"), html: html.join("\n") };
}

const OUTCOMES = ["success", "partial", "failure", "abandoned", "ongoing"];
const CARE_SETTINGS = [
  "hospital",
  "home_care",
  "care_home",
  "primary_care",
  "mental_health",
  "emergency",
  "radiology",
  "laboratory",
  "pharmacy",
  "administration",
];
const AI_TYPES = ["computer_vision", "nlp", "llm", "predictive_model", "speech", "optimisation", "recommender", "rules_based", "robotics"];
const STAGES = ["idea", "pilot", "production", "scaled", "stopped"];
const DECISIONS = ["awarded", "rejected", "rejected", "withdrawn", "pending"];
const REASONS = [
  "eligibility",
  "data_quality",
  "data_governance",
  "clinical_value",
  "budget_or_roi",
  "evaluation_plan",
  "integration_or_scalability",
  "team_capacity",
  "regulatory",
  "out_of_scope",
  "competition",
  "other",
];
const ORG_KINDS = [
  "hospital",
  "hospital",
  "hospital",
  "home_care",
  "care_home",
  "care_home",
  "primary_care",
  "mental_health",
  "vendor",
  "research",
  "patient_org",
];
const REGIONS = ["flanders", "wallonia", "brussels"];
const TAGS = Array.from({ length: 80 }, (_, i) => `topic-${i}`);
const YEARS = { from: Date.UTC(2018, 0, 1), to: Date.UTC(2026, 9, 1) };

type Refs = { orgs: string[]; funders: string[]; funderNames: string[]; calls: string[]; author: string };
let meanWordsTotal = 0;

function syntheticPost(i: number, refs: Refs): Record<string, unknown> {
  const lang: Lang = random() < 0.45 ? "en" : random() < 0.45 ? "fr" : "nl";
  const r = random();
  const kind = r < 0.7 ? "case_study" : r < 0.9 ? "funding_application" : "discussion";
  // Log-uniform over 300–1,500 words: short posts are more common than long ones.
  const words = Math.round(Math.exp(Math.log(300) + random() * (Math.log(1500) - Math.log(300))));
  meanWordsTotal += words;
  const body = prose(lang, words);
  const title = sentence(lang, int(5, 10)).slice(0, -1);
  const post: Record<string, unknown> = {
    kind,
    slug: `bench-${i}`,
    title,
    summary: [sentence(lang, int(12, 20)), sentence(lang, int(10, 20))].join(" "),
    body_md: body.md,
    body_html: body.html,
    language: lang,
    tags: some(TAGS, 1, 5),
    organization: pick(refs.orgs),
    author: refs.author,
    anonymous: chance(0.15),
    status: "published",
    published_at: new Date(YEARS.from + random() * (YEARS.to - YEARS.from)),
    care_settings: some(CARE_SETTINGS, 1, 3),
    ai_types: some(AI_TYPES, 1, 2),
  };
  if (kind === "case_study") {
    const lessons = prose(lang, int(40, 150));
    Object.assign(post, {
      outcome: pick(OUTCOMES),
      lifecycle_stage: pick(STAGES),
      lessons_md: lessons.md,
      lessons_html: lessons.html,
      dpo_involved: chance(0.6),
      cost_eur: int(5, 500) * 1000,
    });
  } else if (kind === "funding_application") {
    const decision = pick(DECISIONS);
    const byFunder = chance(0.8);
    Object.assign(post, {
      funder: byFunder ? pick(refs.funders) : "",
      funder_name: byFunder ? "" : pick(refs.funderNames),
      call: byFunder && chance(0.6) ? pick(refs.calls) : "",
      decision,
      rejection_reasons: decision === "rejected" ? some(REASONS, 1, 3) : [],
      amount_requested: int(20, 2000) * 1000,
      currency: "EUR",
      published_by: "applicant",
      consent: "not_needed",
    });
  }
  return post;
}

async function seed(pb: PocketBase): Promise<{ slugs: string[]; refs: Refs; seconds: number }> {
  const started = performance.now();
  const author = await pb.collection("users").create({
    email: "bench@casebook.test",
    password: "bench-password-0123",
    passwordConfirm: "bench-password-0123",
    name: "Bench Author",
    role: "member",
    locale: "en",
    verified: true,
  });
  const orgs: string[] = [];
  for (let i = 0; i < 60; i++) {
    const kind = pick(ORG_KINDS);
    const org = await pb.collection("organizations").create({
      name: `Bench ${kind.replace("_", " ")} ${i}`,
      slug: `bench-org-${i}`,
      kind,
      region: pick(REGIONS),
      country: "BE",
      verified: true,
      verification_status: "verified",
    });
    orgs.push(org.id);
  }
  const funders: string[] = [];
  const calls: string[] = [];
  for (let i = 0; i < 6; i++) {
    const funder = await pb.collection("organizations").create({
      name: `Bench Care Fund ${i}`,
      slug: `bench-fund-${i}`,
      kind: "funder",
      region: pick(REGIONS),
      country: "BE",
      verified: true,
      verification_status: "verified",
    });
    funders.push(funder.id);
    for (let c = 0; c < 3; c++) {
      const call = await pb.collection("funding_calls").create({
        slug: `bench-call-${i}-${c}`,
        funder: funder.id,
        title: `Bench call ${i}.${c}`,
        programme: "Bench programme",
        status: "closed",
        currency: "EUR",
      });
      calls.push(call.id);
    }
  }
  const refs: Refs = {
    orgs,
    funders,
    funderNames: ["Regional Innovation Agency", "Fondation Santé Numérique", "Zorgfonds Vlaanderen", "EU Horizon Health"],
    calls,
    author: author.id,
  };

  const BATCH = 100;
  const IN_FLIGHT = 3;
  const slugs: string[] = [];
  let next = 0;
  let done = 0;
  let lastPrint = 0;
  async function lane(): Promise<void> {
    while (next < POSTS) {
      const from = next;
      const to = Math.min(POSTS, next + BATCH);
      next = to;
      const batch = pb.createBatch();
      for (let i = from; i < to; i++) {
        const post = syntheticPost(i, refs);
        slugs.push(String(post.slug));
        batch.collection("posts").create(post);
      }
      await batch.send();
      done += to - from;
      if (performance.now() - lastPrint > 2000 || done === POSTS) {
        lastPrint = performance.now();
        const s = (performance.now() - started) / 1000;
        log(`seeded ${done}/${POSTS} posts (${(done / s).toFixed(0)}/s)`);
      }
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return { slugs, refs, seconds: (performance.now() - started) / 1000 };
}

// ---------------------------------------------------------------------------------------
// Query pools: cycled in order, more distinct queries than the engine's result cache holds

function midWord(lang: Lang): string {
  for (;;) {
    const word = zipfWord(lang, 40);
    if (VOCAB[lang].words.indexOf(word) < 3000 && word.length >= 4) return word;
  }
}
function typo(word: string): string {
  const i = int(1, word.length - 2);
  const letters = "abcdefghijklmnopqrstuvwxyz";
  switch (int(0, 2)) {
    case 0:
      return word.slice(0, i) + pick([...letters]) + word.slice(i + 1);
    case 1:
      return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
    default:
      return word.slice(0, i) + word.slice(i + 1);
  }
}
const POOL = 500;
const plainQueries = Array.from({ length: POOL }, () => {
  const lang = pick(LANGS);
  return chance(0.5) ? midWord(lang) : `${midWord(lang)} ${midWord(lang)}`;
});
const typoQueries = Array.from({ length: POOL }, () => {
  const lang = pick(LANGS);
  let word = midWord(lang);
  while (word.length < 6) word = midWord(lang);
  return typo(word);
});
const FACET_CHOICES: [string, readonly string[]][] = [
  ["outcome", OUTCOMES],
  ["language", LANGS],
  ["kind", ["case_study", "funding_application", "discussion"]],
  ["care_setting", CARE_SETTINGS],
  ["ai_type", AI_TYPES],
  ["year", ["2019", "2021", "2023", "2025"]],
  ["decision", ["awarded", "rejected"]],
];
const facetedQueries = Array.from({ length: POOL }, () => {
  const params = new URLSearchParams();
  if (chance(0.75)) params.set("q", plainQueries[int(0, POOL - 1)]!);
  for (const [name, values] of some(FACET_CHOICES, 1, 2)) for (const v of some(values, 1, 2)) params.append(name, v);
  return params.toString();
});
const apiPaths = {
  plain: plainQueries.map((q) => `/api/search?${new URLSearchParams({ q })}`),
  typo: typoQueries.map((q) => `/api/search?${new URLSearchParams({ q })}`),
  faceted: facetedQueries.map((p) => `/api/search?${p}`),
};

// ---------------------------------------------------------------------------------------
// Measurement helpers

type LoadResult = {
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  non2xx: number;
  statuses: Record<string, number>;
  sampleFailure?: string;
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

async function load(baseUrl: string, paths: string[], connections: number, seconds = DURATION): Promise<LoadResult> {
  let i = 0;
  // Only successful responses count: an error page is fast, and would flatter the figures.
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const instance = autocannon({
    url: baseUrl,
    connections,
    duration: seconds,
    requests: [{ method: "GET", setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length]! }) }],
  });
  instance.on("response", (_client, status, _bytes, responseTime) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status >= 200 && status < 300) latencies.push(responseTime);
  });
  const result = await instance;
  latencies.sort((a, b) => a - b);
  let sampleFailure: string | undefined;
  if (result.non2xx > 0) {
    // Say what went wrong: the first failing path's status and the start of its body.
    for (const p of paths.slice(0, 50)) {
      const res = await fetch(`${baseUrl}${p}`);
      if (!res.ok) {
        sampleFailure = `${p} → ${res.status}: ${(await res.text()).replace(/\s+/g, " ").slice(0, 300)}`;
        break;
      }
    }
  }
  return {
    statuses,
    ...(sampleFailure ? { sampleFailure } : {}),
    requests: latencies.length,
    rps: round(latencies.length / seconds, 0),
    p50: round(percentile(latencies, 50), 2),
    p95: round(percentile(latencies, 95), 2),
    p99: round(percentile(latencies, 99), 2),
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

function rssOf(pid: number): { rssMB: number; hwmMB: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rssMB: round(kb("VmRSS") / 1024, 0), hwmMB: round(kb("VmHWM") / 1024, 0) };
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

// Bytes of JavaScript a page loads: inline scripts plus external ones, gzipped.
async function javascriptOf(baseUrl: string, pagePath: string): Promise<number> {
  const html = await (await fetch(`${baseUrl}${pagePath}`)).text();
  let bytes = 0;
  for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    const src = /\bsrc="([^"]+)"/.exec(match[1]!)?.[1];
    const type = /\btype="([^"]+)"/.exec(match[1]!)?.[1];
    if (type && !/javascript|module/.test(type)) continue;
    const code = src ? await (await fetch(new URL(src, `${baseUrl}${pagePath}`))).text() : match[2]!;
    bytes += gzipSync(code).length;
  }
  return round(bytes / 1024, 1);
}

// ---------------------------------------------------------------------------------------
// The run

const cleanup: (() => Promise<void>)[] = [];
async function cleanUp(): Promise<void> {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
  cleanup.length = 0;
}
process.on("SIGINT", () => void cleanUp().then(() => process.exit(130)));

try {
  const started = new Date();
  const loadBefore = os.loadavg().map((n) => round(n, 2));
  log(
    `${POSTS} posts, ${DURATION} s per load run, ${SAMPLES} publish samples, server heap ${HEAP_MB ? `capped at ${HEAP_MB} MB` : "Node default"}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), load average ${loadBefore.join(" ")}`,
  );
  const [pbServer] = await Promise.all([startTestPocketBase(), buildIfStale()]);
  cleanup.push(() => pbServer.stop());
  const pb = await connectAsSuperuser(pbServer.url, TEST_SUPERUSER);
  const seeded = await seed(pb);
  const meanWords = Math.round(meanWordsTotal / POSTS);
  log(`seeded ${POSTS} posts (mean ${meanWords} words) in ${round(seeded.seconds)} s`);

  const dataDir = await mkdtemp(path.join(os.tmpdir(), "casebook-bench-data-"));
  cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
  const siteStarted = performance.now();
  const site = await startSite({
    POCKETBASE_URL: pbServer.url,
    PB_SUPERUSER_EMAIL: TEST_SUPERUSER.email,
    PB_SUPERUSER_PASSWORD: TEST_SUPERUSER.password,
    DATA_DIR: dataDir,
    CASEBOOK_SECRET: "bench-signing-secret-0123456789abcdef-xyz",
    NODE_ENV: "production",
    MEILI_URL: "",
    MEILI_MASTER_KEY: "",
    CASEBOOK_SEARCH_WORKER: "1",
    // As deployed: public pages read through the projection cache (issue 15 §2).
    CASEBOOK_PROJECTION_CACHE: "on",
    ...(HEAP_MB ? { NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` } : {}),
  });
  // Cleanup runs last-in first-out: the site stops before PocketBase and its data go.
  cleanup.push(() => site.stop());
  let serverLog = "";
  site.child.stdout?.on("data", (c: Buffer) => (serverLog += c.toString()));
  site.child.stderr?.on("data", (c: Buffer) => (serverLog += c.toString()));
  const pid = site.child.pid!;
  const baseUrl = site.baseUrl;

  // The first request (startSite's /healthz) starts the engine: no snapshot in a fresh
  // DATA_DIR, so it rebuilds from PocketBase.
  type Healthz = { search: { ok: boolean; documents?: number; detail?: string } };
  const indexDeadline = Date.now() + 30 * 60_000;
  let health: Healthz;
  for (;;) {
    health = await getJson<Healthz>(`${baseUrl}/healthz`);
    if (health.search.ok && (health.search.documents ?? 0) >= POSTS) break;
    if (Date.now() > indexDeadline) throw new Error(`index not ready after 30 minutes: ${JSON.stringify(health)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const indexSeconds = (performance.now() - siteStarted) / 1000;
  const rebuiltLine = /\[search\] embedded index rebuilt[^\n]*/.exec(serverLog)?.[0] ?? "";
  const serverIndexSeconds = Number(/in ([\d.]+) s/.exec(rebuiltLine)?.[1] ?? NaN);
  const afterIndex = rssOf(pid);
  log(
    `indexed ${health.search.documents} documents: ${round(indexSeconds)} s from server start (server says: ${rebuiltLine || "n/a"}); RSS ${afterIndex.rssMB} MB`,
  );

  // The snapshot save blocks the server's event loop for seconds: wait for it to finish
  // rather than let it land in the middle of a latency run.
  const snapshot = path.join(dataDir, "search", "embedded.json");
  const saveDeadline = Date.now() + 10 * 60_000;
  while (!existsSync(snapshot) && Date.now() < saveDeadline) await new Promise((r) => setTimeout(r, 200));
  const snapshotSeconds = (performance.now() - siteStarted) / 1000 - indexSeconds;
  const snapshotMB = existsSync(snapshot) ? round(statSync(snapshot).size / 1024 / 1024, 1) : NaN;
  await getJson(`${baseUrl}/healthz`);
  log(`snapshot written (${snapshotMB} MB) ~${round(snapshotSeconds)} s after the index was ready`);
  if (HOLD) {
    // --hold: keep the seeded platform up for profiling by hand; Ctrl-C cleans up.
    log(`holding: site ${baseUrl}, PocketBase ${pbServer.url} (superuser ${TEST_SUPERUSER.email}); Ctrl-C to stop`);
    await new Promise(() => undefined);
  }

  // Let the garbage left by the save be collected before anything is timed.
  await new Promise((r) => setTimeout(r, 3000));
  // Warm-up: JIT, connection pools, PocketBase caches.
  await load(baseUrl, [...apiPaths.plain.slice(0, 50), ...apiPaths.faceted.slice(0, 50), "/en/search?q=model", `/en/posts/${seeded.slugs[0]}`], 4, 3);
  const afterWarmup = rssOf(pid);

  const searchRuns: Record<string, Record<string, LoadResult>> = {};
  for (const kind of ["plain", "typo", "faceted"] as const) {
    searchRuns[kind] = {};
    for (const connections of [1, 16]) {
      const result = await load(baseUrl, apiPaths[kind], connections);
      searchRuns[kind]![`c${connections}`] = result;
      log(
        `/api/search ${kind.padEnd(7)} c=${String(connections).padStart(2)}: p50 ${result.p50} ms, p95 ${result.p95} ms, p99 ${result.p99} ms, ${result.rps} req/s${result.non2xx + result.errors ? `, ${result.non2xx} non-2xx, ${result.errors} errors` : ""}`,
      );
    }
  }

  // Pages under a language prefix: an unprefixed page URL answers 302 to the visitor's language.
  const postPaths = Array.from({ length: 500 }, () => `/en/posts/${pick(seeded.slugs)}`);
  const searchPagePaths = plainQueries.map((q) => `/en/search?${new URLSearchParams({ q })}`);
  const ssr = {
    static: await load(baseUrl, ["/favicon.svg"], 16),
    post: await load(baseUrl, postPaths, 16),
    search: await load(baseUrl, searchPagePaths, 16),
  };
  const postRatio = round((ssr.post.rps / ssr.static.rps) * 100, 1);
  const searchRatio = round((ssr.search.rps / ssr.static.rps) * 100, 1);
  log(`SSR c=16: static ${ssr.static.rps} req/s, post page ${ssr.post.rps} req/s (${postRatio} %), search page ${ssr.search.rps} req/s (${searchRatio} %)`);

  // Publish → searchable: a post and its outbox row in one batch (as the app writes them),
  // then poll the API until the post is found.
  const publishLatencies: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    const token = `zqpub${s}x${Math.random().toString(36).slice(2, 8).replace(/\d/g, "k")}`;
    const id = Array.from(crypto.getRandomValues(new Uint8Array(15)), (b) => "abcdefghijklmnopqrstuvwxyz0123456789"[b % 36]).join("");
    const post = { ...syntheticPost(POSTS + s, seeded.refs), id, slug: `bench-publish-${s}`, title: `Published sample ${token}` };
    const batch = pb.createBatch();
    batch.collection("posts").create(post);
    batch.collection("search_outbox").create({ record: id, collection_name: "posts", op: "upsert", attempts: 0 });
    const t0 = performance.now();
    await batch.send();
    const deadline = t0 + 15_000;
    for (;;) {
      const found = await getJson<{ total: number }>(`${baseUrl}/api/search?${new URLSearchParams({ q: token })}`);
      if (found.total > 0) {
        publishLatencies.push(performance.now() - t0);
        break;
      }
      if (performance.now() > deadline) {
        publishLatencies.push(Infinity);
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, int(50, 300)));
  }
  publishLatencies.sort((a, b) => a - b);
  const publish = {
    samples: SAMPLES,
    p50: round(percentile(publishLatencies, 50), 0),
    p95: round(percentile(publishLatencies, 95), 0),
    max: round(publishLatencies.at(-1)!, 0),
  };
  log(`publish → searchable: p50 ${publish.p50} ms, p95 ${publish.p95} ms, max ${publish.max} ms`);

  const javascript = {
    home: await javascriptOf(baseUrl, "/en/"),
    post: await javascriptOf(baseUrl, `/en/posts/${seeded.slugs[0]}`),
    search: await javascriptOf(baseUrl, "/en/search?q=model"),
  };
  const final = rssOf(pid);
  const loadAfter = os.loadavg().map((n) => round(n, 2));

  // -------------------------------------------------------------------------------------
  // Report

  const at20k = POSTS >= BUDGET_POSTS;
  type Row = { what: string; value: string; budget: string; pass: boolean | null };
  const rows: Row[] = [
    ...(["plain", "typo", "faceted"] as const).map((kind) => ({
      what: `search API p95, ${kind}, 1 client`,
      value: `${searchRuns[kind]!.c1!.p95} ms`,
      budget: "≤ 30 ms",
      pass: searchRuns[kind]!.c1!.p95 <= 30,
    })),
    { what: "publish → searchable p95", value: `${publish.p95} ms`, budget: "≤ 1000 ms", pass: publish.p95 <= 1000 },
    { what: "SSR post page / static", value: `${postRatio} %`, budget: "≥ 40 %", pass: postRatio >= 40 },
    { what: "SSR search page / static", value: `${searchRatio} %`, budget: "≥ 25 %", pass: searchRatio >= 25 },
    {
      what: "JS on content pages (home, post)",
      value: `${Math.max(javascript.home, javascript.post)} KB gz`,
      budget: "0 KB",
      pass: javascript.home === 0 && javascript.post === 0,
    },
    { what: "JS on the search page", value: `${javascript.search} KB gz`, budget: "≤ 30 KB gz", pass: javascript.search <= 30 },
    { what: "server RSS after indexing", value: `${afterIndex.rssMB} MB`, budget: "≤ 500 MB", pass: afterIndex.rssMB <= 500 },
    { what: "server RSS at the end (peak)", value: `${final.rssMB} MB (${final.hwmMB} MB)`, budget: "≤ 500 MB", pass: final.rssMB <= 500 },
  ];
  const info: [string, string][] = [
    ["bulk index (server start → ready)", `${round(indexSeconds)} s`],
    ["  of which rebuild (server log)", `${serverIndexSeconds} s`],
    ["snapshot save", `~${round(snapshotSeconds)} s, ${snapshotMB} MB`],
    ["seeding PocketBase", `${round(seeded.seconds)} s`],
    ...(["plain", "typo", "faceted"] as const).flatMap((kind) =>
      [1, 16].map((c): [string, string] => {
        const r = searchRuns[kind]![`c${c}`]!;
        return [`search ${kind} c=${c}`, `p50 ${r.p50} / p95 ${r.p95} / p99 ${r.p99} ms, ${r.rps} req/s`];
      }),
    ),
    ["static /favicon.svg c=16", `${ssr.static.rps} req/s`],
    ["post page c=16", `${ssr.post.rps} req/s (p95 ${ssr.post.p95} ms)`],
    ["search page c=16", `${ssr.search.rps} req/s (p95 ${ssr.search.p95} ms)`],
  ];
  const width = Math.max(...rows.map((r) => r.what.length), ...info.map(([k]) => k.length)) + 2;
  console.log(
    `\nCasebook bench — ${POSTS} posts (mean ${meanWords} words), ${os.cpus().length} CPUs, Node ${process.version}, load average ${loadBefore[0]} → ${loadAfter[0]}${at20k ? "" : ` — budgets are set for ${BUDGET_POSTS} posts`}`,
  );
  console.log(`${"what".padEnd(width)}${"measured".padEnd(26)}${"budget".padEnd(14)}result`);
  for (const r of rows) console.log(`${r.what.padEnd(width)}${r.value.padEnd(26)}${r.budget.padEnd(14)}${r.pass === null ? "" : r.pass ? "PASS" : "FAIL"}`);
  console.log("");
  for (const [k, v] of info) console.log(`${k.padEnd(width)}${v}`);

  const errors = Object.values(searchRuns)
    .flatMap((runs) => Object.values(runs))
    .concat(Object.values(ssr))
    .reduce((n, r) => n + r.errors + r.non2xx, 0);
  if (errors > 0) {
    console.log(`\nWARNING: ${errors} failed or non-2xx responses during the load runs (not counted in the figures above):`);
    for (const [name, r] of [
      ...Object.entries(searchRuns).flatMap(([k, runs]) => Object.entries(runs).map(([c, r]) => [`search ${k} ${c}`, r] as const)),
      ...Object.entries(ssr).map(([k, r]) => [`ssr ${k}`, r] as const),
    ]) {
      if (r.errors + r.non2xx > 0)
        console.log(`  ${name}: statuses ${JSON.stringify(r.statuses)}, ${r.errors} errors${r.sampleFailure ? `; e.g. ${r.sampleFailure}` : ""}`);
    }
  }

  const report = {
    date: started.toISOString(),
    command: `npm run bench -- ${args.join(" ")}`.trim(),
    // Other work on the machine skews every figure: the load average says how busy it was.
    loadAverage: { before: loadBefore, after: loadAfter },
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model ?? null,
      memoryGB: round(os.totalmem() / 1024 ** 3, 1),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    config: { posts: POSTS, meanWords, durationSeconds: DURATION, publishSamples: SAMPLES, seed: SEED, queryPool: POOL, serverHeapMB: HEAP_MB },
    seeding: { seconds: round(seeded.seconds) },
    index: {
      secondsFromStart: round(indexSeconds),
      rebuildSeconds: serverIndexSeconds,
      rss: afterIndex,
      snapshot: { seconds: round(snapshotSeconds), megabytes: snapshotMB },
    },
    memory: { afterIndex, afterWarmup, final },
    search: searchRuns,
    ssr: { ...ssr, postRatioPercent: postRatio, searchRatioPercent: searchRatio },
    publish,
    javascriptKBgz: javascript,
    budgets: rows,
    loadErrors: errors,
  };
  const dir = path.join(root, "bench", "results");
  await mkdir(dir, { recursive: true });
  const file = path.join(
    dir,
    `${started
      .toISOString()
      .replace(/[:]/g, "-")
      .replace(/\.\d+Z$/, "Z")}.json`,
  );
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n[bench] results written to ${path.relative(root, file)}`);
} catch (error) {
  console.error(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}

type AutocannonResult = { errors: number; timeouts: number; non2xx: number };
type AutocannonInstance = Promise<AutocannonResult> & {
  on(event: "response", listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): void;
};
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  requests: { method: string; setupRequest: (request: Record<string, unknown>) => Record<string, unknown> }[];
}) => AutocannonInstance;
