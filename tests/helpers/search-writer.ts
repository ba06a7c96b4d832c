// A process that keeps writing the embedded engine's snapshot, for the crash test
// (tests/integration/search-crash.test.ts) to kill at any moment: it indexes `count` posts made
// from the fixture corpus, then saves again and again, one new post between saves, printing
// "saving <fingerprint>" before and "saved <fingerprint>" after each save. Run with Node 24:
// node tests/helpers/search-writer.ts <snapshot path> <count>
import { readFileSync } from "node:fs";
import { createEmbeddedEngine } from "../../src/lib/server/search/embedded.ts";
import type { SearchDocument } from "../../src/lib/server/search/engine.ts";

const [snapshotPath, countText] = process.argv.slice(2);
const count = Number(countText);
const corpus = JSON.parse(readFileSync(new URL("../fixtures/search-corpus.json", import.meta.url), "utf8")) as SearchDocument[];

// The n-th post: a fixture post under a new id, its body repeated so saves take a moment.
function post(n: number): SearchDocument {
  const base = corpus[n % corpus.length]!;
  return { ...base, id: `crash-${n}`, slug: `crash-${n}`, body: `${base.body} ${base.body} ${base.body} Post ${n}.` };
}

const engine = createEmbeddedEngine({ snapshotPath: snapshotPath! });
const docs = Array.from({ length: count }, (_, n) => post(n));
console.log("indexing");
await engine.reindex([docs]);
for (let n = count; ; n++) {
  console.log(`saving ${engine.fingerprint()}`);
  await engine.save();
  console.log(`saved ${engine.fingerprint()}`);
  await engine.upsert([post(n)]);
}
