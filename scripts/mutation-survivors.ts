// `npm run mutate:survivors -- PATH`: the score and the surviving (and uncovered) mutants, by line, of a Stryker
// JSON report (.cache/stryker/integration.json) or of the events a run records as each mutant finishes
// (.cache/stryker/events, kept even when a long run is stopped early). Stryker's own HTML report needs the whole
// run; on two cores a module like moderation.ts takes hours, so a run is done in line ranges
// (`--mutate src/lib/server/moderation.ts:196-400`) and read here as it goes.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

const mutantSchema = z.object({
  status: z.string(),
  mutatorName: z.string(),
  replacement: z.string().optional(),
  fileName: z.string().optional(),
  location: z.object({ start: z.object({ line: z.number(), column: z.number() }) }),
});
type Mutant = z.infer<typeof mutantSchema> & { file: string };

const target = process.argv[2];
if (!target || !existsSync(target)) {
  console.error("Usage: npm run mutate:survivors -- REPORT.json | EVENTS-FOLDER");
  process.exit(2);
}

/** Every tested mutant with the file it belongs to, and each file's source as the run saw it (when known). */
function readMutants(where: string): { mutants: Mutant[]; sources: Map<string, string> } {
  const sources = new Map<string, string>();
  if (statSync(where).isDirectory()) {
    const events = readdirSync(where).filter((name) => name.endsWith("-onMutantTested.json"));
    const mutants = events.map((name) => {
      const m = mutantSchema.parse(JSON.parse(readFileSync(path.join(where, name), "utf8")));
      return { ...m, file: path.relative(process.cwd(), m.fileName ?? "?") };
    });
    return { mutants, sources };
  }
  const report = z
    .object({ files: z.record(z.string(), z.object({ source: z.string(), mutants: z.array(mutantSchema) })) })
    .parse(JSON.parse(readFileSync(where, "utf8")));
  const mutants: Mutant[] = [];
  for (const [file, entry] of Object.entries(report.files)) {
    sources.set(file, entry.source);
    for (const m of entry.mutants) mutants.push({ ...m, file });
  }
  return { mutants, sources };
}

const { mutants, sources } = readMutants(target);
const count = (status: string) => mutants.filter((m) => m.status === status).length;
const detected = count("Killed") + count("Timeout");
const covered = detected + count("Survived");
const valid = covered + count("NoCoverage");
console.log(
  `${mutants.length} mutants: killed ${count("Killed")} · timeout ${count("Timeout")} · survived ${count("Survived")} · no coverage ${count("NoCoverage")} · ignored ${count("Ignored")}`,
);
if (valid > 0) console.log(`score ${((100 * detected) / valid).toFixed(2)} % · of covered ${covered ? ((100 * detected) / covered).toFixed(2) : "–"} %`);
const open = mutants
  .filter((m) => m.status === "Survived" || m.status === "NoCoverage")
  .sort((a, b) => a.file.localeCompare(b.file) || a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column);
for (const m of open) {
  // Events carry no source; the working tree's file is shown then, which may have moved on since the run.
  const source = sources.get(m.file) ?? (existsSync(m.file) ? readFileSync(m.file, "utf8") : "");
  const line = source.split("\n")[m.location.start.line - 1]?.trim().slice(0, 90) ?? "";
  console.log(
    `${m.status === "Survived" ? "S" : "N"} ${m.file}:${m.location.start.line} ${m.mutatorName} → ${JSON.stringify(m.replacement ?? "").slice(0, 60)} | ${line}`,
  );
}
