// `npm run mutate:resume -- EVENTS-FOLDER OUT.json [REV]`: turns the events a mutation run recorded (Stryker's
// event-recorder reporter, .cache/stryker/events) into a Stryker report that the next run reads as its
// `--incrementalFile`, so a run stopped before its end (a session ends) is resumed instead of started again:
// Stryker writes its own incremental file only when a run completes, and on two cores moderation.ts takes hours.
// REV is the commit the run started from (default HEAD): the sources in the report must be the ones the results
// were measured on, so that Stryker's differ re-tests what changed since. Stryker's incremental mode then decides
// what to reuse as usual (a killed mutant while its killing test is unchanged, a survivor while no new test covers it).
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

const position = z.object({ line: z.number(), column: z.number() });
const mutantSchema = z
  .object({
    id: z.string(),
    fileName: z.string(),
    mutatorName: z.string(),
    replacement: z.string().optional(),
    status: z.string(),
    location: z.object({ start: position, end: position }),
    coveredBy: z.array(z.string()).optional(),
    killedBy: z.array(z.string()).optional(),
  })
  .passthrough();
const dryRunSchema = z.object({
  result: z.object({
    tests: z.array(z.object({ id: z.string(), name: z.string(), fileName: z.string().optional(), startPosition: position.optional() })),
  }),
});

const [folder, out, rev = "HEAD"] = process.argv.slice(2);
if (!folder || !out) {
  console.error("Usage: npm run mutate:resume -- EVENTS-FOLDER OUT.json [REV]");
  process.exit(2);
}
const names = readdirSync(folder).sort();
const read = (name: string) => JSON.parse(readFileSync(path.join(folder, name), "utf8"));
const dryRunFile = names.find((n) => n.endsWith("-onDryRunCompleted.json"));
if (!dryRunFile) {
  console.error(`${folder} holds no dry run: the run stopped before its first test, there is nothing to resume.`);
  process.exit(1);
}
const relative = (file: string) => path.relative(process.cwd(), file).split(path.sep).join("/");
/** A file as it was at the run's commit. */
const sourceAt = (file: string) => execFileSync("git", ["show", `${rev}:${file}`], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });

const files: Record<string, { language: string; source: string; mutants: z.infer<typeof mutantSchema>[] }> = {};
for (const name of names.filter((n) => n.endsWith("-onMutantTested.json"))) {
  const mutant = mutantSchema.parse(read(name));
  const file = relative(mutant.fileName);
  files[file] ??= { language: "typescript", source: sourceAt(file), mutants: [] };
  files[file].mutants.push(mutant);
}

// Test positions in the dry run are zero-based; the report's are one-based, as Stryker writes them.
const testFiles: Record<string, { source: string; tests: { id: string; name: string; location?: { start: { line: number; column: number } } }[] }> = {};
for (const test of dryRunSchema.parse(read(dryRunFile)).result.tests) {
  const file = test.fileName ? relative(test.fileName) : "";
  testFiles[file] ??= { source: file ? sourceAt(file) : "", tests: [] };
  testFiles[file].tests.push({
    id: test.id,
    name: test.name,
    ...(test.startPosition ? { location: { start: { line: test.startPosition.line + 1, column: test.startPosition.column + 1 } } } : {}),
  });
}

writeFileSync(out, JSON.stringify({ schemaVersion: "2", thresholds: { high: 80, low: 60 }, projectRoot: process.cwd(), files, testFiles }));
const mutants = Object.values(files).reduce((n, f) => n + f.mutants.length, 0);
console.log(`${out}: ${mutants} mutant results over ${Object.keys(files).length} file(s), ${Object.keys(testFiles).length} test file(s), sources at ${rev}.`);
