// `npm run bench:engines [-- --posts N --seed N]`: the candidate embedded search engines of issue 15
// §1, side by side on the same synthetic corpus (scripts/lib/bench-corpus.ts) and the same query
// pools as `npm run bench`, each in a process of its own so that its memory is its own:
//   embedded   — the embedded engine Casebook ships (src/lib/server/search/embedded.ts: typed-array
//                postings, MiniSearch's ranking; it replaced MiniSearch itself, whose figures from
//                this script are in issue 15's notes), measured through its real API (reindex,
//                search, save, load);
//   fts5       — a prototype of SQLite FTS5 through Node's built-in node:sqlite: the index on disk,
//                the shared analysis (tokenize, stop words, Snowball stems in a column of
//                language-prefixed stems), typo and prefix expansion from the index's own
//                vocabulary (MiniSearch's SearchableMap over the terms only), bm25 with the
//                engine's field boosts, facet counts over compact typed arrays of the matched
//                rows, snippets from the stored text of the page's hits. No glossary widening and
//                no did-you-mean yet: a prototype to choose with, not the engine.
// Prints a table and writes bench/results/engines-<time>.json. Not part of `npm test`.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DatabaseSync } from "node:sqlite";
import SearchableMap from "minisearch/SearchableMap";
import { CASE_FACTS } from "../src/lib/codelists.ts";
import { isStemLanguage, queryTerms, stemOf, tokenize } from "../src/lib/server/search/analysis.ts";
import { EMBEDDED_BOOSTS, buildSnippet, createEmbeddedEngine, typoBudget } from "../src/lib/server/search/embedded.ts";
import {
  FACETS,
  STOP_WORDS,
  type FacetName,
  type SearchDocument,
  type SearchQuery,
  facetValues,
  makeQuery,
  parseSearchParams,
} from "../src/lib/server/search/engine.ts";
import { benchCorpus } from "./lib/bench-corpus.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  const value = i === -1 ? fallback : Number(args[i + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} needs a positive whole number`);
  return value;
};
const POSTS = option("posts", 20_000);
const SEED = option("seed", 20260101);
const CANDIDATES = ["embedded", "fts5"] as const;
type Candidate = (typeof CANDIDATES)[number];
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

// ---------------------------------------------------------------------------------------
// The corpus as search documents

function corpus(): { docs: SearchDocument[]; queries: Record<"plain" | "typo" | "faceted", SearchQuery[]>; meanWords: number } {
  const c = benchCorpus(SEED);
  const refs = {
    orgs: Array.from({ length: 40 }, (_, i) => `org${String(i).padStart(12, "0")}`),
    funders: ["fund00000000001", "fund00000000002"],
    funderNames: ["King Baudouin Foundation", "FWO"],
    calls: ["call00000000001", "call00000000002"],
    author: "author000000001",
  };
  const noFacts = Object.fromEntries(Object.keys(CASE_FACTS).map((f) => [f, null])) as Record<keyof typeof CASE_FACTS, null>;
  const docs: SearchDocument[] = [];
  for (let i = 0; i < POSTS; i++) {
    const p = c.syntheticPost(i, refs) as Record<string, unknown> & { published_at: Date };
    const text = (md: unknown) => String(md ?? "").replace(/[#*_>`-]+/g, " ");
    const anonymous = Boolean(p.anonymous);
    docs.push({
      ...noFacts,
      changed_roles: [],
      id: `post${String(i).padStart(11, "0")}`,
      kind: p.kind as SearchDocument["kind"],
      slug: String(p.slug),
      url: `/posts/${p.slug}`,
      title: String(p.title),
      summary: String(p.summary),
      body: text(p.body_md),
      lessons: text(p.lessons_md),
      tags: p.tags as string[],
      language: p.language as SearchDocument["language"],
      outcome: (p.outcome as string) ?? null,
      care_settings: p.care_settings as string[],
      ai_types: p.ai_types as string[],
      lifecycle_stage: (p.lifecycle_stage as string) ?? null,
      org_kind: "hospital",
      organization_name: anonymous ? null : `Organisation ${String(p.organization).slice(-3)}`,
      organization_slug: anonymous ? null : `organisation-${String(p.organization).slice(-3)}`,
      public_descriptor: anonymous ? "A hospital in Flanders" : null,
      descriptor_code: anonymous ? "hospital:flanders" : null,
      funder_name: p.kind === "funding_application" ? "King Baudouin Foundation" : null,
      call_title: null,
      decision: (p.decision as string) ?? null,
      rejection_reasons: (p.rejection_reasons as string[]) ?? [],
      amount_requested: (p.amount_requested as number) ?? null,
      decided_on: null,
      year: p.published_at.getUTCFullYear(),
      published_at: p.published_at.toISOString(),
      published_ts: p.published_at.getTime(),
    });
  }
  const parse = (params: URLSearchParams): SearchQuery => {
    const parsed = parseSearchParams(params);
    if (!parsed.ok) throw new Error(`bench query refused: ${params}`);
    return parsed.query;
  };
  return {
    docs,
    queries: {
      plain: c.plainQueries.map((q) => makeQuery({ q })),
      typo: c.typoQueries.map((q) => makeQuery({ q })),
      faceted: c.facetedQueries.map((p) => parse(new URLSearchParams(p))),
    },
    meanWords: Math.round(c.wordsTotal() / POSTS),
  };
}

// ---------------------------------------------------------------------------------------
// The FTS5 prototype

const FIELDS = Object.keys(EMBEDDED_BOOSTS) as (keyof typeof EMBEDDED_BOOSTS)[];
const STOP = new Set(STOP_WORDS);
const MIN_PREFIX = 3;

function fieldText(doc: SearchDocument, field: (typeof FIELDS)[number]): string {
  const value = field === "tags" ? doc.tags.join(" ") : ((doc as unknown as Record<string, unknown>)[field] ?? "");
  return tokenize(String(value))
    .filter((t) => !STOP.has(t))
    .join(" ");
}

// Every stem of the post's text in its language, prefixed so that a stem matches only posts of that language.
function stemText(doc: SearchDocument): string {
  if (!isStemLanguage(doc.language)) return "";
  const stems = new Set<string>();
  for (const field of ["title", "tags", "summary", "lessons", "body"] as const) {
    for (const term of fieldText(doc, field).split(" ")) {
      const stem = stemOf(term, doc.language);
      if (stem) stems.add(`${doc.language}_${stem}`);
    }
  }
  return [...stems].join(" ");
}

function fts5Engine(file: string) {
  const db = new DatabaseSync(file);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
  db.exec(`CREATE TABLE IF NOT EXISTS docs (n INTEGER PRIMARY KEY, id TEXT UNIQUE, json TEXT NOT NULL)`);
  db.exec(
    `CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(${FIELDS.join(", ")}, stems, tokenize = "unicode61 remove_diacritics 0 tokenchars '_'", detail = column)`,
  );
  const weights = [...FIELDS.map((f) => EMBEDDED_BOOSTS[f]), 1].join(", ");
  // The boosts as FTS5's default rank, so that ORDER BY rank LIMIT k uses FTS5's top-k path.
  db.prepare("INSERT INTO fts (fts, rank) VALUES ('rank', ?)").run(`bm25(${weights})`);
  // Facet values as small integers per row, as the embedded engine keeps them: counting reads these, never a document.
  const dictionary = FACETS.map(() => new Map<string, number>());
  let facetRows: Uint16Array[][] = [];
  let vocabulary = new SearchableMap<number>();

  function remember(n: number, doc: SearchDocument): void {
    facetRows[n] = FACETS.map((facet, fi) =>
      Uint16Array.from(facetValues(doc, facet), (v) => {
        const ids = dictionary[fi]!;
        if (!ids.has(v)) ids.set(v, ids.size);
        return ids.get(v)!;
      }),
    );
  }

  return {
    index(docs: SearchDocument[]): void {
      const insertDoc = db.prepare("INSERT INTO docs (n, id, json) VALUES (?, ?, ?)");
      const insertText = db.prepare(`INSERT INTO fts (rowid, ${FIELDS.join(", ")}, stems) VALUES (?, ${FIELDS.map(() => "?").join(", ")}, ?)`);
      db.exec("BEGIN");
      docs.forEach((doc, n) => {
        insertDoc.run(n, doc.id, JSON.stringify(doc));
        insertText.run(n, ...FIELDS.map((f) => fieldText(doc, f)), stemText(doc));
      });
      db.exec("COMMIT");
    },
    // What a start with an existing index does: read the vocabulary and the facet values, nothing else.
    open(): void {
      db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS vocab USING fts5vocab(fts, row)");
      vocabulary = new SearchableMap<number>();
      for (const row of db.prepare("SELECT term, doc FROM vocab").iterate() as Iterable<{ term: string; doc: number }>) {
        if (!row.term.includes("_")) vocabulary.set(row.term, row.doc);
      }
      facetRows = [];
      for (const row of db.prepare("SELECT n, json FROM docs").iterate() as Iterable<{ n: number; json: string }>) remember(row.n, JSON.parse(row.json));
    },
    search(query: SearchQuery): { total: number; hits: string[]; facets: Record<string, number> } {
      const terms = queryTerms(query.q);
      const quote = (t: string) => `"${t.replaceAll('"', '""')}"`;
      const clauses = terms.map((term, i) => {
        const forms = new Set([term]);
        const budget = typoBudget(term);
        if (budget > 0) for (const [form] of vocabulary.fuzzyGet(term, budget)) forms.add(form);
        if (i === terms.length - 1 && term.length >= MIN_PREFIX) for (const [form] of vocabulary.atPrefix(term)) forms.add(form);
        const stems = (["en", "fr", "nl"] as const).map((l) => stemOf(term, l)).filter((s): s is string => s !== null);
        const text = `{${FIELDS.join(" ")}} : (${[...forms].slice(0, 64).map(quote).join(" OR ")})`;
        const stemmed =
          stems.length > 0
            ? ` OR stems : (${(["en", "fr", "nl"] as const).flatMap((l) => (stemOf(term, l) ? [quote(`${l}_${stemOf(term, l)}`)] : [])).join(" OR ")})`
            : "";
        return `(${text}${stemmed})`;
      });
      let matched: { n: number }[];
      let joined = " AND ";
      if (clauses.length === 0) matched = db.prepare("SELECT n FROM docs").all() as { n: number }[];
      else {
        // Unranked: every match, for the filters and facet counts (bm25 over thousands of matches is the cost).
        const run = (joiner: string) => db.prepare("SELECT rowid AS n FROM fts WHERE fts MATCH ?").all(clauses.join(joiner)) as { n: number }[];
        joined = " AND ";
        matched = run(joined);
        if (matched.length === 0 && clauses.length > 1) {
          joined = " OR ";
          matched = run(joined);
        }
      }
      // Filters (OR within a facet, AND across) and disjunctive counts, over the typed arrays.
      const wanted = FACETS.map((facet, fi) => {
        const values = query.filters[facet as FacetName];
        return values?.length ? new Set(values.map((v) => dictionary[fi]!.get(v) ?? -1)) : null;
      });
      const counts = FACETS.map(() => new Map<number, number>());
      const hits: number[] = [];
      for (const { n } of matched) {
        const row = facetRows[n]!;
        let failing = -1;
        let failures = 0;
        for (let fi = 0; fi < FACETS.length; fi++) {
          const w = wanted[fi];
          if (w && !row[fi]!.some((v) => w.has(v))) {
            failing = fi;
            if (++failures > 1) break;
          }
        }
        if (failures > 1) continue;
        for (let fi = 0; fi < FACETS.length; fi++) {
          if (failures === 1 && fi !== failing) continue;
          for (const v of row[fi]!) counts[fi]!.set(v, (counts[fi]!.get(v) ?? 0) + 1);
        }
        if (failures === 0) hits.push(n);
      }
      // Ranked: only the page. Without filters, bm25's top k; with filters, bm25 over the filtered hits.
      let ranked = hits;
      if (clauses.length > 0) {
        const limit = query.page * query.perPage;
        const order = "SELECT rowid AS n FROM fts WHERE fts MATCH ? ORDER BY rank";
        if (hits.length === matched.length) ranked = (db.prepare(`${order} LIMIT ${limit}`).all(clauses.join(joined)) as { n: number }[]).map((r) => r.n);
        else {
          const keep = new Set(hits);
          ranked = [];
          for (const r of db.prepare(order).iterate(clauses.join(joined)) as Iterable<{ n: number }>) {
            if (keep.has(r.n)) ranked.push(r.n);
            if (ranked.length >= limit) break;
          }
        }
      }
      const page = ranked.slice((query.page - 1) * query.perPage, query.page * query.perPage);
      const get = db.prepare("SELECT json FROM docs WHERE n = ?");
      const snippets = page.map((n) => {
        const doc = JSON.parse((get.get(n) as { json: string }).json) as SearchDocument;
        return buildSnippet([doc.summary, doc.body], new Set(terms));
      });
      return { total: hits.length, hits: snippets, facets: Object.fromEntries(FACETS.map((f, fi) => [f, counts[fi]!.size])) };
    },
    close(): void {
      db.close();
    },
  };
}

// ---------------------------------------------------------------------------------------
// One candidate, in this process

function rss(): { rssMB: number; hwmMB: number } {
  const status = readFileSync("/proc/self/status", "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rssMB: round(kb("VmRSS") / 1024, 0), hwmMB: round(kb("VmHWM") / 1024, 0) };
}

async function latencies(search: (q: SearchQuery) => unknown | Promise<unknown>, queries: SearchQuery[]): Promise<{ p50: number; p95: number; qps: number }> {
  for (const q of queries.slice(0, 20)) await search(q); // warm-up
  const times: number[] = [];
  const started = performance.now();
  for (const q of queries) {
    const t0 = performance.now();
    await search(q);
    times.push(performance.now() - t0);
  }
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const at = (p: number) => round(times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]!, 2);
  return { p50: at(50), p95: at(95), qps: round(queries.length / seconds, 0) };
}

async function measure(candidate: Candidate): Promise<Record<string, unknown>> {
  const { docs, queries, meanWords } = corpus();
  const dir = await mkdtemp(path.join(os.tmpdir(), `casebook-engine-${candidate}-`));
  try {
    const baseline = rss().rssMB;
    // The same figures for every candidate: its build, then the three query pools one at a time.
    const report = async (
      search: (q: SearchQuery) => unknown,
      built: { indexSeconds: number; saveSeconds: number; openSeconds: number; diskBytes: number; rssAfterIndexMB: number },
    ) => ({
      candidate,
      meanWords,
      indexSeconds: round(built.indexSeconds, 2),
      saveSeconds: round(built.saveSeconds, 2),
      openSeconds: round(built.openSeconds, 2),
      diskMB: round(built.diskBytes / 1024 / 1024, 1),
      rssAfterIndexMB: built.rssAfterIndexMB,
      corpusMB: baseline,
      plain: await latencies(search, queries.plain),
      typo: await latencies(search, queries.typo),
      faceted: await latencies(search, queries.faceted),
      rssEndMB: rss().rssMB,
      peakMB: rss().hwmMB,
    });
    if (candidate === "embedded") {
      const file = path.join(dir, "embedded.index");
      const engine = createEmbeddedEngine({ snapshotPath: file });
      let t0 = performance.now();
      await engine.reindex(
        (async function* () {
          for (let i = 0; i < docs.length; i += 500) yield docs.slice(i, i + 500);
        })(),
      );
      const indexSeconds = (performance.now() - t0) / 1000;
      const afterIndex = rss();
      t0 = performance.now();
      await engine.save();
      const saveSeconds = (performance.now() - t0) / 1000;
      const fresh = createEmbeddedEngine({ snapshotPath: file });
      t0 = performance.now();
      if (!(await fresh.load())) throw new Error("the snapshot did not load");
      const loadSeconds = (performance.now() - t0) / 1000;
      const opened = await openInChild(file);
      return {
        ...(await report((q) => fresh.search(q), {
          indexSeconds,
          saveSeconds,
          openSeconds: loadSeconds,
          diskBytes: (await stat(file)).size,
          rssAfterIndexMB: afterIndex.rssMB,
        })),
        opened,
      };
    }
    const file = path.join(dir, "search.db");
    const writer = fts5Engine(file);
    let t0 = performance.now();
    writer.index(docs);
    writer.open();
    const indexSeconds = (performance.now() - t0) / 1000;
    const afterIndex = rss();
    writer.close();
    const engine = fts5Engine(file);
    t0 = performance.now();
    engine.open();
    const openSeconds = (performance.now() - t0) / 1000;
    const size = async (f: string) => (await stat(f).catch(() => ({ size: 0 }))).size;
    return report((q) => engine.search(q), {
      indexSeconds,
      saveSeconds: 0,
      openSeconds,
      diskBytes: (await size(file)) + (await size(`${file}-wal`)),
      rssAfterIndexMB: afterIndex.rssMB,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------
// The comparison: each candidate in a child process, one table

// A server's view: a fresh process that only loads the snapshot, after a garbage collection.
async function openInChild(file: string): Promise<Record<string, number>> {
  const child = spawn(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), "--open", file], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`--open: exit ${code}`);
  return JSON.parse(out.trim().split("\n").pop()!);
}

async function runChild(candidate: Candidate): Promise<Record<string, unknown>> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--candidate", candidate, "--posts", String(POSTS), "--seed", String(SEED)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`${candidate}: exit ${code}`);
  return JSON.parse(out.trim().split("\n").pop()!);
}

const only = args.indexOf("--candidate");
const opening = args.indexOf("--open");
if (opening !== -1) {
  const before = rss().rssMB;
  const engine = createEmbeddedEngine({ snapshotPath: args[opening + 1]! });
  const t0 = performance.now();
  if (!(await engine.load())) throw new Error("the snapshot did not load");
  const seconds = round((performance.now() - t0) / 1000, 2);
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const after = rss();
  const mb = (n: number) => Math.round(n / 1024 / 1024);
  // The snapshot's sections (its first line says where each lies), for where the memory goes.
  const head = Buffer.alloc(4096);
  const fd = openSync(args[opening + 1]!, "r");
  readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  const layout = (JSON.parse(head.toString("utf8").split("\n")[0]!) as { sections: Record<string, [number, number]> }).sections;
  const sections = Object.fromEntries(Object.entries(layout).map(([k, [, n]]) => [k, round(n / 1024 / 1024)]));
  console.log(
    JSON.stringify({
      seconds,
      rssBeforeMB: before,
      rssMB: after.rssMB,
      heapMB: mb(m.heapUsed),
      externalMB: mb(m.external),
      peakMB: after.hwmMB,
      sectionsMB: sections,
    }),
  );
} else if (only !== -1) {
  const candidate = args[only + 1] as Candidate;
  if (!CANDIDATES.includes(candidate)) throw new Error(`--candidate: one of ${CANDIDATES.join(", ")}`);
  console.log(JSON.stringify(await measure(candidate)));
} else {
  const started = new Date();
  const results: Record<string, unknown>[] = [];
  for (const candidate of CANDIDATES) {
    console.log(`[bench:engines] ${candidate}: indexing ${POSTS} posts…`);
    results.push(await runChild(candidate));
  }
  type Row = Record<string, unknown> & Record<"plain" | "typo" | "faceted", { p50: number; p95: number; qps: number }>;
  const lines: [string, (r: Row) => string][] = [
    ["index (s)", (r) => String(r.indexSeconds)],
    ["save (s)", (r) => String(r.saveSeconds)],
    ["start with the index: load/open (s)", (r) => String(r.openSeconds)],
    ["on disk (MB)", (r) => String(r.diskMB)],
    ["RSS after indexing (MB, corpus held too)", (r) => `${r.rssAfterIndexMB} (corpus ${r.corpusMB})`],
    ["RSS peak (MB)", (r) => String(r.peakMB)],
    [
      "fresh process, index loaded: RSS (heap + external) MB",
      (r) => {
        const o = r.opened as Record<string, number> | undefined;
        return o ? `${o.rssMB} (${o.heapMB} + ${o.externalMB}), ${o.seconds} s` : "—";
      },
    ],
    ...(["plain", "typo", "faceted"] as const).map((k): [string, (r: Row) => string] => [
      `${k}: p50 / p95 ms, queries/s`,
      (r) => `${r[k].p50} / ${r[k].p95}, ${r[k].qps}`,
    ]),
  ];
  console.log(
    `\nCandidate engines — ${POSTS} posts (mean ${results[0]?.meanWords} words), one process each, queries one at a time, ${os.cpus().length} CPUs, Node ${process.version}`,
  );
  const width = Math.max(...lines.map(([k]) => k.length)) + 2;
  console.log(`${"".padEnd(width)}${CANDIDATES.map((c) => c.padEnd(22)).join("")}`);
  for (const [label, value] of lines) console.log(`${label.padEnd(width)}${(results as Row[]).map((r) => value(r).padEnd(22)).join("")}`);
  const dir = path.join(root, "bench", "results");
  await mkdir(dir, { recursive: true });
  const file = path.join(
    dir,
    `engines-${started
      .toISOString()
      .replace(/[:]/g, "-")
      .replace(/\.\d+Z$/, "Z")}.json`,
  );
  await writeFile(
    file,
    `${JSON.stringify({ date: started.toISOString(), posts: POSTS, seed: SEED, node: process.version, cpus: os.cpus().length, results }, null, 2)}\n`,
  );
  console.log(`\n[bench:engines] results written to ${path.relative(root, file)}`);
}
