// Runs the shared search contract against the embedded engine (always) and Meilisearch (when
// MEILI_URL, MEILI_BIN or PATH gives one), plus what only the embedded engine does: snapshots,
// suggestions, snippets, tokenising; and the URL parsing both engines rely on.

import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildSnippet, createEmbeddedEngine, fingerprintOf, kthSmallest, queryTerms, tokenize } from "../../src/lib/server/search/embedded.ts";
import { CASE_FACT_FIELDS, CASE_FACT_LISTS, CASE_FACTS } from "../../src/lib/codelists.ts";
import {
  DEFAULT_PER_PAGE,
  FACET_PARAMS,
  FACETS,
  facetKey,
  facetValues,
  makeQuery,
  parseSearchParams,
  searchQueryToParams,
} from "../../src/lib/server/search/engine.ts";
import type { SearchQuery, SearchResult } from "../../src/lib/server/search/engine.ts";
import { MEILI_SETTINGS, buildFacetQueries, createMeilisearchEngine, toMeiliSearchParams } from "../../src/lib/server/search/meilisearch.ts";
import type { MeilisearchEngine } from "../../src/lib/server/search/meilisearch.ts";
import { HitPool } from "../../src/lib/server/search/hitpool.ts";
import { queryLanguage } from "../../src/lib/server/search/language.ts";
import { chunk, corpus, nightFallsPost, runSearchContract } from "./search-contract.ts";

// Hits built on the request thread, and on a hit thread (the default wherever there are two cores).
runSearchContract("embedded", async () => createEmbeddedEngine({ hits: new HitPool(0) }));
const hitThread = new HitPool(1);
afterAll(() => hitThread.close());
runSearchContract(
  "embedded",
  async () => {
    if ((await hitThread.warm()) !== 1) throw new Error("the hit thread did not start");
    return createEmbeddedEngine({ hits: hitThread });
  },
  { variant: "hits on a thread" },
);

// The unit project's global setup (tests/helpers/meili-setup.ts) finds or starts a server.
const provided = inject("meili") ?? { skip: "no Meilisearch global setup in this vitest configuration" };
if ("skip" in provided) console.warn(`Meilisearch contract skipped: ${provided.skip}`);
// Registered either way, so a skipped run counts (and names) the skipped tests.
const meili = "skip" in provided ? { url: "http://127.0.0.1:9", apiKey: undefined, origin: "none" } : provided;
describe.skipIf("skip" in provided)("meilisearch", () => {
  runSearchContract(
    "meilisearch",
    async () =>
      createMeilisearchEngine({
        url: meili.url,
        apiKey: meili.apiKey,
        // One index per engine so the suite never touches real data or its own other tests.
        indexUid: `casebook_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`,
      }),
    { dispose: (engine) => (engine as MeilisearchEngine).dropIndex(), timeout: 60_000 },
  );

  describe("settings drift and outdated documents", () => {
    const indexUid = `casebook_drift_${Date.now().toString(36)}`;
    const admin = (method: string, route: string, body?: unknown) =>
      fetch(`${meili.url}${route}`, {
        method,
        headers: { ...(meili.apiKey ? { authorization: `Bearer ${meili.apiKey}` } : {}), "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const waitFor = async (res: Response) => {
      const { taskUid } = (await res.json()) as { taskUid: number };
      for (let i = 0; i < 200; i++) {
        const task = (await (await admin("GET", `/tasks/${taskUid}`)).json()) as { status: string };
        if (task.status === "succeeded" || task.status === "failed") return task.status;
        await new Promise((r) => setTimeout(r, 50));
      }
      return "timeout";
    };
    afterAll(async () => {
      await createMeilisearchEngine({ url: meili.url, apiKey: meili.apiKey, indexUid }).dropIndex();
    }, 60_000);

    it("a setting changed by hand is named and put back at the next start", async () => {
      const first = createMeilisearchEngine({ url: meili.url, apiKey: meili.apiKey, indexUid });
      await first.ensureIndex();
      expect(first.settingsDrift).toEqual([]);
      const again = createMeilisearchEngine({ url: meili.url, apiKey: meili.apiKey, indexUid });
      await again.ensureIndex();
      expect(again.settingsDrift).toEqual([]);
      // Someone makes the organisation slug searchable and turns typos off.
      expect(
        await waitFor(
          await admin("PATCH", `/indexes/${indexUid}/settings`, { searchableAttributes: ["organization_slug"], typoTolerance: { enabled: false } }),
        ),
      ).toBe("succeeded");
      const restarted = createMeilisearchEngine({ url: meili.url, apiKey: meili.apiKey, indexUid });
      await restarted.ensureIndex();
      expect(restarted.settingsDrift).toEqual(expect.arrayContaining(["searchableAttributes", "typoTolerance"]));
      const settings = (await (await admin("GET", `/indexes/${indexUid}/settings`)).json()) as { searchableAttributes: string[] };
      expect(settings.searchableAttributes).toEqual([...MEILI_SETTINGS.searchableAttributes]);
    });

    it("documents written without stems (an older version) are reported, and a reindex clears that", async () => {
      const engine = createMeilisearchEngine({ url: meili.url, apiKey: meili.apiKey, indexUid });
      await engine.ensureIndex();
      expect(await engine.outdatedDocuments()).toBe(false);
      expect(await waitFor(await admin("POST", `/indexes/${indexUid}/documents`, [{ ...corpus[0]! }]))).toBe("succeeded");
      expect(await engine.outdatedDocuments()).toBe(true);
      await engine.reindex(chunk(corpus.slice(0, 5), 5));
      expect(await engine.outdatedDocuments()).toBe(false);
    });
  });

  describe("the site's keys", () => {
    const indexUid = `casebook_keys_${Date.now().toString(36)}`;
    let engine: MeilisearchEngine;
    const call = (key: string, method: string, route: string, body?: unknown) =>
      fetch(`${meili.url}${route}`, {
        method,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    beforeAll(async () => {
      engine = createMeilisearchEngine({ url: meili.url, apiKey: meili.apiKey, indexUid });
      await engine.ensureIndex();
      await engine.upsert(corpus.slice(0, 3));
    }, 60_000);
    afterAll(async () => {
      await engine?.dropIndex();
    }, 60_000);

    it.skipIf(!meili.apiKey)("a leaked search key can only search; the write key cannot search or manage the index", async () => {
      const keys = engine.keys!;
      expect(keys.search).not.toBe(meili.apiKey);
      expect((await call(keys.search, "POST", `/indexes/${indexUid}/search`, { q: "" })).status).toBe(200);
      for (const [method, route, body] of [
        ["POST", `/indexes/${indexUid}/documents`, [{ id: "planted", title: "planted" }]],
        ["DELETE", `/indexes/${indexUid}/documents/${corpus[0]!.id}`, undefined],
        ["PATCH", `/indexes/${indexUid}/settings`, { searchableAttributes: ["organization_slug"] }],
        ["GET", "/keys", undefined],
        ["POST", "/indexes/posts_elsewhere/search", { q: "" }],
        ["DELETE", `/indexes/${indexUid}`, undefined],
      ] as const) {
        expect((await call(keys.search, method, route, body)).status, `${method} ${route}`).toBe(403);
      }
      expect((await call(keys.write, "POST", `/indexes/${indexUid}/search`, { q: "" })).status).toBe(403);
      expect((await call(keys.write, "PATCH", `/indexes/${indexUid}/settings`, { searchableAttributes: ["id"] })).status).toBe(403);
      expect((await call(keys.write, "DELETE", `/indexes/${indexUid}`)).status).toBe(403);
      // The engine itself searches and writes through them.
      await engine.upsert(corpus.slice(3, 4));
      expect((await engine.search(makeQuery({ q: "" }))).total).toBe(4);
      // A second engine (another process, a restart) finds the same keys.
      const again = createMeilisearchEngine({ url: meili.url, apiKey: meili.apiKey, indexUid });
      await again.ensureIndex();
      expect(again.keys).toEqual(keys);
    });
  });
});

describe("embedded engine specifics", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "casebook-search-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const probes: Partial<SearchQuery>[] = [
    { q: "sepsys" },
    { q: "évaluation", filters: { language: ["fr", "en"] } },
    { q: "", filters: { outcome: ["failure", "abandoned"] }, sort: "newest" },
    { q: "triage", perPage: 3, page: 2 },
    { q: "tester" },
  ];
  const comparable = ({ tookMs: _took, ...rest }: SearchResult) => rest;

  it("a snapshot saved and loaded into a fresh engine gives identical results", async () => {
    const file = path.join(dir, "snap", "embedded.index");
    const original = createEmbeddedEngine({ snapshotPath: file });
    await original.reindex(chunk(corpus, 8));
    await original.remove(["en-call-lab-2025"]); // discarded-but-not-vacuumed state must survive too
    await original.save();

    const restored = createEmbeddedEngine({ snapshotPath: file });
    expect(await restored.load()).toBe(true);
    expect(restored.fingerprint()).toBe(original.fingerprint());
    expect(await restored.count()).toBe(corpus.length - 1);
    for (const probe of probes) {
      expect(comparable(await restored.search(makeQuery(probe)))).toEqual(comparable(await original.search(makeQuery(probe))));
    }
    const saved = header(await readFile(file));
    expect(saved.format).toBe(5);
    expect(saved.fingerprint).toBe(original.fingerprint());
    expect(Number.isNaN(Date.parse(saved.savedAt))).toBe(false);

    // The loaded index takes writes like a built one, and saves them again.
    const extra = { ...corpus[0]!, id: "after-load", title: "Zeppelin maintenance forecasting", slug: "after-load" };
    await restored.upsert([extra]);
    await restored.remove([corpus[1]!.id]);
    expect((await restored.search(makeQuery({ q: "zeppelin" }))).hits.map((h) => h.id)).toEqual(["after-load"]);
    await restored.save();
    const again = createEmbeddedEngine({ snapshotPath: file });
    expect(await again.load()).toBe(true);
    expect(again.fingerprint()).toBe(restored.fingerprint());
    for (const probe of [...probes, { q: "zeppelin" }]) {
      expect(comparable(await again.search(makeQuery(probe)))).toEqual(comparable(await restored.search(makeQuery(probe))));
    }
  });

  // The snapshot's first line: its JSON header.
  const header = (file: Buffer) =>
    JSON.parse(file.subarray(0, file.indexOf(0x0a)).toString("utf8")) as {
      format: number;
      fingerprint: string;
      savedAt: string;
      sections: Record<string, [number, number]>;
    };

  it("load() returns false for a missing, corrupt or inconsistent snapshot and keeps the index", async () => {
    const file = path.join(dir, "bad.index");
    const engine = createEmbeddedEngine({ snapshotPath: file });
    await engine.upsert(corpus.slice(0, 3));
    expect(await engine.load()).toBe(false); // missing

    await writeFile(file, "{ this is not json");
    expect(await engine.load()).toBe(false);

    // The MiniSearch JSON snapshot of earlier versions (format 4) is rebuilt, not read.
    await writeFile(file, JSON.stringify({ format: 4, savedAt: new Date().toISOString(), docs: [], index: {} }));
    expect(await engine.load()).toBe(false);

    const good = createEmbeddedEngine({ snapshotPath: file });
    await good.upsert(corpus.slice(0, 5));
    await good.save();
    const saved = await readFile(file);
    const first = corpus[0]!.id;

    // Another post's id in the entries: the fingerprint no longer matches.
    const at = saved.indexOf(`"${first}"`);
    expect(at).toBeGreaterThan(0);
    const tampered = Buffer.from(saved);
    tampered.write(`"${"x".repeat(first.length)}"`, at, "utf8");
    await writeFile(file, tampered);
    expect(await engine.load()).toBe(false);

    // Postings offsets that no longer add up.
    const [offsetsAt] = header(saved).sections.offsets!;
    const base = saved.indexOf(0x0a) + 1;
    const brokenOffsets = Buffer.from(saved);
    brokenOffsets.writeInt32LE(1_000_000, base + ((8 - (base % 8)) % 8) + offsetsAt + 4);
    await writeFile(file, brokenOffsets);
    expect(await engine.load()).toBe(false);

    await writeFile(file, saved.subarray(0, saved.length / 2)); // truncated write
    expect(await engine.load()).toBe(false);

    // A header of another format, or of another set of fields, is not read.
    const text = saved.toString("latin1");
    await writeFile(file, Buffer.from(text.replace('"format":5', '"format":6'), "latin1"));
    expect(await engine.load()).toBe(false);
    await writeFile(file, Buffer.from(text.replace('"title"', '"titre"'), "latin1"));
    expect(await engine.load()).toBe(false);

    expect(await engine.count()).toBe(3);
    expect((await engine.search(makeQuery())).total).toBe(3);
    // The untouched file still loads.
    await writeFile(file, saved);
    expect(await engine.load()).toBe(true);
    expect(await engine.count()).toBe(5);
  });

  it("save() without a snapshot path throws", async () => {
    await expect(createEmbeddedEngine().save()).rejects.toThrow(/snapshotPath/);
  });

  it("fingerprint depends on ids and publication dates, not on order", () => {
    const a = fingerprintOf(corpus);
    expect(fingerprintOf([...corpus].reverse())).toBe(a);
    expect(a.startsWith(`${corpus.length}-`)).toBe(true);
    const moved = corpus.map((d, i) => (i === 0 ? { ...d, published_at: "2030-01-01T00:00:00Z" } : d));
    expect(fingerprintOf(moved)).not.toBe(a);
  });

  it("a caller mutating a result does not change the next identical search", async () => {
    const engine = createEmbeddedEngine();
    await engine.upsert(corpus);
    const first = await engine.search(makeQuery({ q: "sepsis" }));
    const expected = structuredClone(first);
    first.hits.length = 0;
    first.facets.language.push({ value: "xx", count: 99 });
    const again = await engine.search(makeQuery({ q: "sepsis" }));
    expect({ ...again, tookMs: 0 }).toEqual({ ...expected, tookMs: 0 });
  });

  describe("suggestions", () => {
    let engine: ReturnType<typeof createEmbeddedEngine>;
    beforeAll(async () => {
      engine = createEmbeddedEngine();
      await engine.upsert(corpus);
    });
    const suggestionFor = async (q: string, locale?: "en" | "fr" | "nl") => (await engine.search(makeQuery({ q, ...(locale ? { locale } : {}) }))).suggestion;

    it("correct words missing from the vocabulary", async () => {
      expect(await suggestionFor("sepsys")).toBe("sepsis");
      expect(await suggestionFor("radiolgy")).toBe("radiology");
      expect(await suggestionFor("chatbott huisarts")).toBe("chatbot huisarts");
    });

    it("are null when every word is known, a valid prefix, or there is no text", async () => {
      expect(await suggestionFor("sepsis")).toBeNull();
      expect(await suggestionFor("schedul")).toBeNull();
      expect(await suggestionFor("")).toBeNull();
    });

    it("are null for a word the glossary knows, even where no post in its language uses it", async () => {
      // Found on the demo: "chutes nocturnes" on /fr/ offered "courtes nocturnes", because no
      // French post said "chute" — yet the glossary finds the posts about falls in English.
      const small = createEmbeddedEngine();
      const french = corpus.find((d) => d.language === "fr")!;
      await small.upsert([
        nightFallsPost(),
        { ...french, id: "short-nights", title: "Des nuits courtes", summary: "Des tournées courtes.", body: "Des visites courtes.", lessons: "", tags: [] },
      ]);
      const result = await small.search(makeQuery({ q: "chutes", locale: "fr" }));
      expect(result.suggestion).toBeNull();
      expect(result.hits.map((h) => h.id)).toEqual(["night-falls"]);
      // A typo of that word is still corrected when a French post has the word.
      expect(await suggestionFor("chutte", "fr")).toBe("chute");
    });

    it("offer the nearest word in use, however many more posts use a farther one, and a farther one when nothing nearer is in use", async () => {
      const english = corpus.find((d) => d.language === "en")!;
      const post = (id: string, word: string) => ({ ...english, id, title: `A ${word}`, summary: `The ${word}.`, body: `One ${word}.`, lessons: "", tags: [] });
      const small = createEmbeddedEngine();
      // "sensos": "sensor" is one edit away (one post), "census" two (three posts).
      await small.upsert([post("sensor", "sensor"), post("census-1", "census"), post("census-2", "census"), post("census-3", "census")]);
      const suggestion = async () => (await small.search(makeQuery({ q: "sensos quickly", locale: "en" }))).suggestion;
      expect(await suggestion()).toBe("sensor quickly");
      // Once no post says "sensor", the word two edits away is offered.
      await small.remove(["sensor"]);
      expect(await suggestion()).toBe("census quickly");
    });

    it("are null for a word known only through its stem (hits are not a typo's)", async () => {
      expect(await suggestionFor("détectés", "fr")).toBeNull();
      expect(await suggestionFor("evaluations", "fr")).toBeNull();
    });

    // The fixture has English posts saying "check" and "checks": a suggestion drawn from the
    // whole vocabulary would offer them to French and Dutch queries one or two edits away.
    it("come from the query language's posts only: French", async () => {
      expect(await suggestionFor("échec", "fr")).toBeNull();
      expect(await suggestionFor("échecs", "fr")).toBeNull();
      expect(await suggestionFor("échek", "fr")).toBe("échec");
      expect(await suggestionFor("chek", "fr")).not.toBe("check");
      expect(await suggestionFor("chek", "en")).toBe("check");
      expect(await suggestionFor("chutte", "fr")).toBe("chute");
      // On the English interface, an unmarked word is English: no French word is offered.
      expect(await suggestionFor("chutte", "en")).toBeNull();
    });

    it("come from the query language's posts only: Dutch", async () => {
      expect(await suggestionFor("zeikenhuis", "nl")).toBe("ziekenhuis");
      expect(await suggestionFor("zeikenhuis", "en")).toBeNull();
      expect(await suggestionFor("woonzorgcentra", "nl")).toBe("woonzorgcentrum");
    });

    it("follow the words' language when it is clearly not the interface's", async () => {
      // Accent and elided article: French even on the English and Dutch interfaces.
      expect(await suggestionFor("l'échek", "en")).toBe("l échec");
      expect(await suggestionFor("de chutte", "nl")).toBeNull();
      expect(await suggestionFor("la chutte", "nl")).toBe("la chute");
    });

    it("never offer a word of another language, whatever is typed (every suggested word is in a post of the query's language)", async () => {
      const vocabulary = (lang: string) =>
        new Set(
          corpus
            .filter((d) => d.language === lang)
            .flatMap((d) =>
              tokenize(
                [
                  d.title,
                  d.summary,
                  d.body,
                  d.lessons,
                  d.tags.join(" "),
                  d.organization_name ?? "",
                  d.funder_name ?? "",
                  d.call_title ?? "",
                  d.public_descriptor ?? "",
                ].join(" "),
              ),
            ),
        );
      for (const lang of ["en", "fr", "nl"] as const) {
        const words = vocabulary(lang);
        for (const q of ["chek", "sepsys", "chutte", "zeikenhuis", "radiolgy", "échek", "valdetecsie", "hopitall", "cheks"]) {
          const suggestion = await suggestionFor(q, lang);
          if (suggestion === null || queryLanguage(q, lang) !== lang) continue;
          for (const word of tokenize(suggestion)) expect(words.has(word), `${q} (${lang}) → ${suggestion}`).toBe(true);
        }
      }
    });
  });

  describe("query language", () => {
    it("is the interface language unless the words clearly say otherwise", () => {
      expect(queryLanguage("sepsis", "fr")).toBe("fr");
      expect(queryLanguage("sepsis", "nl")).toBe("nl");
      expect(queryLanguage("échec", "en")).toBe("fr");
      expect(queryLanguage("chute", "en")).toBe("fr");
      expect(queryLanguage("val", "fr")).toBe("nl");
      expect(queryLanguage("fall detection", "fr")).toBe("en");
      expect(queryLanguage("het ziekenhuis", "en")).toBe("nl");
      expect(queryLanguage("the hospital", "nl")).toBe("en");
      // "de" and "en" are French and Dutch alike: no vote.
      expect(queryLanguage("de en", "nl")).toBe("nl");
      expect(queryLanguage("de en", "fr")).toBe("fr");
    });

    it("is null without a locale when nothing tells", () => {
      expect(queryLanguage("sepsis")).toBeNull();
      expect(queryLanguage("les chutes")).toBe("fr");
      expect(queryLanguage("")).toBeNull();
    });

    it("is carried by the optional locale URL parameter", () => {
      const parsed = parseSearchParams(new URLSearchParams("q=chute&locale=fr"));
      expect(parsed.ok && parsed.query.locale).toBe("fr");
      expect(parsed.ok && searchQueryToParams(parsed.query).get("locale")).toBe("fr");
      const without = parseSearchParams(new URLSearchParams("q=chute"));
      expect(without.ok && "locale" in without.query).toBe(false);
      expect(parseSearchParams(new URLSearchParams("locale=de"))).toMatchObject({ ok: false, param: "locale" });
    });
  });

  describe("Meilisearch query locales", () => {
    it("follow the query language, on the main and the facet queries", () => {
      expect(toMeiliSearchParams(makeQuery({ q: "sepsis", locale: "fr" })).locales).toEqual(["fra"]);
      expect(toMeiliSearchParams(makeQuery({ q: "fall detection", locale: "nl" })).locales).toEqual(["eng"]);
      expect(toMeiliSearchParams(makeQuery({ q: "ziekenhuis", locale: "nl" })).locales).toEqual(["nld"]);
      // Nothing to tell and no page language: Meilisearch detects among the index's three.
      expect(toMeiliSearchParams(makeQuery({ q: "sepsis" })).locales).toBeUndefined();
      expect(toMeiliSearchParams(makeQuery({ q: "", locale: "fr" })).locales).toBeUndefined();
      const queries = buildFacetQueries(makeQuery({ q: "chute", locale: "en", filters: { outcome: ["failure"] } }));
      expect(queries.map((q) => q.locales)).toEqual([["fra"], ["fra"]]);
    });
  });

  describe("stop words in snippets", () => {
    it("are not marked even when the caller's term set holds them", () => {
      const html = buildSnippet(["Les lettres de sortie de l'hôpital"], new Set(["de", "l", "les", "sortie", "hopital"]), 160);
      expect(html).toBe("Les lettres de <mark>sortie</mark> de l&#39;<mark>hôpital</mark>");
    });
  });

  describe("text processing", () => {
    it("lowercases, strips diacritics (also decomposed ones) and splits on punctuation", () => {
      expect(tokenize("Évaluation du tri — l'hôpital, cœur")).toEqual(["evaluation", "du", "tri", "l", "hopital", "coeur"]);
      expect(tokenize("E\u0301VALUATION")).toEqual(["evaluation"]);
      expect(tokenize("thoraxfoto's")).toEqual(["thoraxfoto", "s"]);
      expect(tokenize("ex æquo")).toEqual(["ex", "aequo"]);
    });

    it("drops stop words from queries", () => {
      expect(queryTerms("lettres de sortie")).toEqual(["lettres", "sortie"]);
      expect(queryTerms("the")).toEqual([]);
    });
  });

  describe("facet counts", () => {
    // The counts of a result are those of the posts it holds, whichever way the engine counts
    // them (a result holding most of the index is counted from the posts left out).
    it("are the facet values of exactly the posts found, for results of every size", async () => {
      const engine = createEmbeddedEngine({ hits: new HitPool(0) });
      await engine.reindex(chunk(corpus, 10));
      // Words by the number of posts whose text holds them, most common first.
      const postsWith = new Map<string, number>();
      for (const doc of corpus)
        for (const word of new Set(tokenize(`${doc.title} ${doc.summary} ${doc.body}`))) postsWith.set(word, (postsWith.get(word) ?? 0) + 1);
      const common = [...postsWith].filter(([w]) => w.length > 3).sort((a, b) => b[1] - a[1]);
      const queries = ["", common[0]![0], common[3]![0], common[Math.floor(common.length / 2)]![0]];
      const sizes = new Set<string>();
      for (const q of queries) {
        const ids: string[] = [];
        let result = await engine.search(makeQuery({ q, perPage: 50 }));
        for (let page = 2; ids.push(...result.hits.map((h) => h.id)) < result.total; page++) result = await engine.search(makeQuery({ q, perPage: 50, page }));
        sizes.add(ids.length > corpus.length / 2 ? "most" : "few");
        const found = corpus.filter((d) => ids.includes(d.id));
        for (const facet of FACETS) {
          const expected = new Map<string, number>();
          for (const doc of found) for (const value of new Set(facetValues(doc, facet).map(facetKey))) expected.set(value, (expected.get(value) ?? 0) + 1);
          const actual = new Map(result.facets[facet].map((c) => [facetKey(c.value), c.count]));
          expect(actual, `${facet} for "${q}"`).toEqual(expected);
        }
      }
      expect([...sizes].sort()).toEqual(["few", "most"]);
    });
  });

  describe("kthSmallest (the cut of a page of best hits)", () => {
    it("is the k-th value of the sorted keys, ties and negative scores included", () => {
      let seed = 7;
      const random = () => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed / 2147483648;
      };
      for (let round = 0; round < 200; round++) {
        const n = 1 + Math.floor(random() * 300);
        // Few distinct values, so ties are common; scores are negated for best-first order.
        const keys = Float64Array.from({ length: n }, () => -Math.floor(random() * 20) / 4);
        const sorted = keys.slice().sort();
        for (const k of new Set([1, Math.min(2, n), Math.ceil(n / 2), n])) expect(kthSmallest(keys, k), `n=${n} k=${k}`).toBe(sorted[k - 1]);
      }
    });
  });

  // Mutation score of snippets.ts + words.ts against this file and search-hits.test.ts: 85.35 %
  // (`CASEBOOK_MUTATE_TESTS=tests/unit/search-contract.test.ts,tests/unit/search-hits.test.ts npm run mutate --
  // --mutate src/lib/server/search/snippets.ts,src/lib/server/search/words.ts --checkers "" --force --ignoreStatic`).
  // Survivors that cannot change a snippet: the shortcuts that skip work the slow path would do
  // with the same result (`terms.size > 0`, `wanted.length === 0`, `folded === null`, the ASCII,
  // length and per-character checks and the character cache of foldKeepingOffsets, normalizeText's
  // ASCII shortcut); `ends[i - 1]` at i = 0 (undefined reads as 0 in subarray); `i >= 0` in
  // isTermChar (index 0 is asked only for an empty word, filtered out before); trimming whitespace
  // that HTML collapses. Not shown equivalent, left open: some window bookkeeping in bestWindow and
  // the cut adjustments (`to - from < width`, cutStart's `k < limit`).
  describe("buildSnippet", () => {
    it("escapes first, then marks matched words", () => {
      const html = buildSnippet(["Tom & Jerry <b>tested</b> it"], new Set(["tested"]));
      expect(html).toBe("Tom &amp; Jerry &lt;b&gt;<mark>tested</mark>&lt;/b&gt; it");
      expect(buildSnippet(['He said "fall" twice'], new Set(["fall"]))).toBe("He said &quot;<mark>fall</mark>&quot; twice");
    });

    it("never marks an empty word", () => {
      expect(buildSnippet(["a test, then more"], new Set(["", "test"]))).toBe("a <mark>test</mark>, then more");
    });

    it("without a match, starts with the first text that has words (a blank summary is skipped)", () => {
      expect(buildSnippet(["   ", "The body starts here."], new Set())).toBe("The body starts here.");
      expect(buildSnippet(["   ", "The body starts here."], new Set(["absent"]))).toBe("The body starts here.");
    });

    it("prefers the window with more distinct words to one with more matches of one word", () => {
      const filler = "lorem ipsum dolor sit amet ".repeat(20);
      const html = buildSnippet([`alpha alpha alpha alpha alpha ${filler}alpha beta ${filler}`], new Set(["alpha", "beta"]));
      expect(html).toContain("<mark>alpha</mark> <mark>beta</mark>");
      expect(html.match(/<mark>/g)).toHaveLength(2);
    });

    it("matches accented words by their normalised form", () => {
      expect(buildSnippet(["Une évaluation réussie"], new Set(["evaluation"]))).toBe("Une <mark>évaluation</mark> réussie");
    });

    it("marks whole words only, in ASCII, accented, decomposed and ligature texts alike", () => {
      expect(buildSnippet(["Testing the test, retest: TEST."], new Set(["test"]))).toBe("Testing the <mark>test</mark>, retest: <mark>TEST</mark>.");
      expect(buildSnippet(["Évaluer l'évaluation, réévaluation"], new Set(["evaluation"]))).toBe("Évaluer l&#39;<mark>évaluation</mark>, réévaluation");
      // Decomposed accents and œ change the text's length when folded: the offsets must still be right.
      expect(buildSnippet(["Une e\u0301valuation du cœur"], new Set(["evaluation", "coeur"]))).toBe("Une <mark>e\u0301valuation</mark> du <mark>cœur</mark>");
      // Each on its own, with the match after it (an offset shifted by folding would mark the wrong letters).
      expect(buildSnippet(["Le cœur de l'évaluation"], new Set(["evaluation"]))).toBe("Le cœur de l&#39;<mark>évaluation</mark>");
      expect(buildSnippet(["Een ex æquo, dan de evaluatie"], new Set(["evaluatie"]))).toBe("Een ex æquo, dan de <mark>evaluatie</mark>");
      expect(buildSnippet(["Re\u0301sume\u0301 de l'évaluation"], new Set(["evaluation"]))).toBe("Re\u0301sume\u0301 de l&#39;<mark>évaluation</mark>");
      expect(buildSnippet(["chute, chuter et chutes"], new Set(["chuter", "chutes"]))).toBe("chute, <mark>chuter</mark> et <mark>chutes</mark>");
    });

    it("picks the window with the most distinct terms, cut at word boundaries with ellipses", () => {
      const filler = "lorem ipsum dolor sit amet ".repeat(20);
      const body = `${filler}alpha here ${filler}alpha beta gamma together ${filler}`;
      const html = buildSnippet(["A summary without the words.", body], new Set(["alpha", "beta", "gamma"]));
      expect(html).toMatch(/^….*<mark>alpha<\/mark> <mark>beta<\/mark> <mark>gamma<\/mark>.*…$/);
      expect(html.replace(/<\/?mark>/g, "").length).toBeLessThanOrEqual(170);
      expect(html).not.toMatch(/…\S*(?<![a-z])[a-z]{1,2}\s/); // no half word right after the ellipsis
    });

    it("prefers the summary on ties and falls back to its start without matches", () => {
      expect(buildSnippet(["short alpha", "long alpha"], new Set(["alpha"]))).toBe("short <mark>alpha</mark>");
      const summary = "word ".repeat(60).trim();
      const html = buildSnippet([summary, "body"], new Set(["absent"]));
      expect(html.endsWith("…")).toBe(true);
      expect(html).not.toContain("<mark>");
      expect(html.length).toBeLessThanOrEqual(161);
    });
  });
});

describe("parseSearchParams", () => {
  const parse = (qs: string) => parseSearchParams(new URLSearchParams(qs));

  it("fills defaults for an empty query string", () => {
    expect(parse("")).toEqual({
      ok: true,
      query: { q: "", filters: {}, sort: "relevance", page: 1, perPage: DEFAULT_PER_PAGE },
    });
  });

  it("maps repeated parameters to facet filters", () => {
    const result = parse(
      "q=%20fall%20%20detection%20&outcome=failure&outcome=abandoned&care_setting=care_home&ai_type=llm" +
        "&org_kind=hospital&language=nl&year=2024&funder=Belgian%20AI%20Health%20Fund&decision=rejected" +
        "&reason=data_governance&kind=funding_call&sort=newest&page=3&per_page=50&utm_source=mail",
    );
    expect(result).toEqual({
      ok: true,
      query: {
        q: "fall detection",
        filters: {
          kind: ["funding_call"],
          outcome: ["failure", "abandoned"],
          care_settings: ["care_home"],
          ai_types: ["llm"],
          org_kind: ["hospital"],
          language: ["nl"],
          year: ["2024"],
          funder_name: ["Belgian AI Health Fund"],
          decision: ["rejected"],
          rejection_reasons: ["data_governance"],
        },
        sort: "newest",
        page: 3,
        perPage: 50,
      },
    });
  });

  it("ignores blank values and duplicate values", () => {
    const result = parse("outcome=&outcome=failure&outcome=failure&page=&q=");
    expect(result).toEqual({ ok: true, query: makeQuery({ filters: { outcome: ["failure"] } }) });
  });

  it.each([
    ["outcome=great", "outcome"],
    ["care_setting=hospital&care_setting=moon", "care_setting"],
    ["reason=vibes", "reason"],
    ["kind=post", "kind"],
    ["language=de", "language"],
    ["year=1989", "year"],
    ["year=2101", "year"],
    ["year=twenty", "year"],
    ["page=0", "page"],
    ["page=-1", "page"],
    ["page=1.5", "page"],
    ["per_page=0", "per_page"],
    ["per_page=51", "per_page"],
    ["sort=oldest", "sort"],
    [`funder=${"x".repeat(201)}`, "funder"],
    [`q=${"x".repeat(201)}`, "q"],
  ])("%s is rejected, naming %s", (qs, param) => {
    const result = parse(qs);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.param).toBe(param);
      expect(result.message.length).toBeGreaterThan(0);
    }
  });

  it("names the bad value in codelist errors", () => {
    const result = parse("outcome=great");
    expect(!result.ok && result.message).toMatch(/"great".*outcome/);
  });

  it("round-trips through searchQueryToParams", () => {
    const query = makeQuery({
      q: "sepsis",
      filters: { outcome: ["failure", "abandoned"], year: ["2023"], funder_name: ['A "quoted" fund'] },
      sort: "newest",
      page: 2,
      perPage: 10,
    });
    expect(parseSearchParams(searchQueryToParams(query))).toEqual({ ok: true, query });
    expect(searchQueryToParams(makeQuery()).toString()).toBe("");
  });

  it("offers the facets the search page promises, funding ones and every controlled governance fact included", () => {
    expect([...FACETS].sort()).toEqual(
      [
        "kind",
        "outcome",
        "care_settings",
        "ai_types",
        "org_kind",
        "language",
        "year",
        "funder_name",
        "call_title",
        "decision",
        "rejection_reasons",
        ...CASE_FACT_FIELDS,
        ...Object.keys(CASE_FACT_LISTS),
      ].sort(),
    );
  });

  it("reads each governance fact from its own singular parameter, with the code list's values", () => {
    const result = parse("dpo_involvement=from_idea&dpo_involvement=before_pilot&changed_role=nurses&ai_act_risk=unknown&nis2=yes&data_quality=85_to_94");
    expect(result).toEqual({
      ok: true,
      query: makeQuery({
        filters: {
          dpo_involvement: ["from_idea", "before_pilot"],
          data_quality: ["85_to_94"],
          ai_act_risk: ["unknown"],
          nis2: ["yes"],
          changed_roles: ["nurses"],
        },
      }),
    });
    for (const field of CASE_FACT_FIELDS) {
      const all = parse(CASE_FACTS[field].map((v) => `${FACET_PARAMS[field]}=${v}`).join("&"));
      expect(all.ok && all.query.filters[field], field).toEqual([...CASE_FACTS[field]]);
    }
    const query = makeQuery({ filters: { human_oversight: ["every_output"], changed_roles: ["it_staff", "management"] } });
    expect(searchQueryToParams(query).toString()).toBe("human_oversight=every_output&changed_role=it_staff&changed_role=management");
    expect(parseSearchParams(searchQueryToParams(query))).toEqual({ ok: true, query });
  });

  it.each([
    ["dpo_involvement=yes", "dpo_involvement"],
    ["changed_role=surgeons", "changed_role"],
    ["data_location=mars", "data_location"],
    ["nis2=maybe", "nis2"],
  ])("the fact filter %s is rejected, naming %s", (qs, param) => {
    expect(parse(qs)).toMatchObject({ ok: false, param });
  });
});
