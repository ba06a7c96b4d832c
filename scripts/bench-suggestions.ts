// Cost of language-restricted "did you mean" (issue 12 §5) on 20,000 synthetic posts: the
// fixture corpus repeated, each post padded with 250 words drawn from a 60,000-word random
// vocabulary (a large, typo-dense vocabulary is the worst case for fuzzy candidates).
// Reports search+suggestion latency for typo queries with the restriction (locale fr/nl)
// and without it (no locale and no language signal: every post's words are candidates),
// the first search after a write (rebuilds the short-id → language array), and the heap
// the restriction keeps. Run:
//   node_modules/node/bin/node --expose-gc --experimental-strip-types scripts/bench-suggestions.ts
import { readFileSync } from "node:fs";
import { createEmbeddedEngine } from "../src/lib/server/search/embedded.ts";
import { makeQuery } from "../src/lib/server/search/engine.ts";
import type { SearchDocument } from "../src/lib/server/search/engine.ts";

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const corpus = JSON.parse(readFileSync("tests/fixtures/search-corpus.json", "utf8")) as SearchDocument[];
let seed = 42;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const letters = "abcdefghijklmnopqrstuvwxyz";
const words = Array.from({ length: 60_000 }, () => Array.from({ length: 4 + Math.floor(rnd() * 8) }, () => letters[Math.floor(rnd() * 26)]).join(""));
const docs = Array.from({ length: 20_000 }, (_, i) => {
  const base = corpus[i % corpus.length]!;
  const extra = Array.from({ length: 250 }, () => words[Math.floor(rnd() ** 2 * words.length)]).join(" ");
  return { ...base, id: `p${i}`, body: `${base.body} ${extra}` };
});
const engine = createEmbeddedEngine();
await engine.reindex([docs]);
// Typos without a language signal (no accent, function word or one-language glossary term).
const typos = ["sepsys", "chutte", "zeikenhuis", "radiolgy", "chek", "hopitall", "valdetecsie", "planificaton", "huisartz", "thuiszorgg"];
let page = 1;
async function time(locale?: "fr" | "nl"): Promise<string> {
  const t: number[] = [];
  for (let round = 0; round < 5; round++) {
    for (const q of typos) {
      const started = performance.now();
      // A new page each time, so the engine's result cache never answers.
      await engine.search(makeQuery({ q, page: ++page, ...(locale ? { locale } : {}) }));
      t.push(performance.now() - started);
    }
  }
  t.sort((a, b) => a - b);
  return `median ${t[t.length >> 1]!.toFixed(1)} ms, p95 ${t[Math.floor(t.length * 0.95)]!.toFixed(1)} ms`;
}
console.log(`posts: ${docs.length}`);
await engine.search(makeQuery({ q: "warmup", locale: "fr" }));
console.log(`search + suggestion, whole vocabulary (no locale): ${await time()}`);
console.log(`search + suggestion, French posts only (locale fr): ${await time("fr")}`);
console.log(`search + suggestion, Dutch posts only (locale nl):  ${await time("nl")}`);
await engine.upsert([{ ...docs[0]!, id: "extra" }]);
const started = performance.now();
await engine.search(makeQuery({ q: "sepsys", locale: "fr" }));
console.log(`first search after a write (view + language array rebuilt): ${(performance.now() - started).toFixed(1)} ms`);
// The restriction's memory: one small array of language codes per indexed post.
await engine.upsert([{ ...docs[1]!, id: "extra2" }]);
gc();
const before = process.memoryUsage().heapUsed;
await engine.search(makeQuery({ q: "sepsys", page: ++page, locale: "fr" }));
gc();
console.log(`heap kept by the language array: ${((process.memoryUsage().heapUsed - before) / 1024).toFixed(0)} KiB (±GC noise)`);
