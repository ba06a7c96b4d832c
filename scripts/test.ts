// `npm test`: every vitest project (unit, integration, e2e, security), then one summary line
// `N passed, M failed[, K skipped]` counting every test that ran.
// Files, and the tests in each file, run in a random order every time (issue 10 §6: no test may
// lean on another having run first; a describe that is one story in steps says `{ shuffle: false }`
// and why). The order's seed is printed before the summary: `npm test -- --sequence.seed=N` replays
// it, `npm test -- --sequence.shuffle=false` runs in file order.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), "casebook-test-report-"));
const report = path.join(dir, "report.json");
const extra = process.argv.slice(2);
const given = extra.find((a) => a.startsWith("--sequence.seed="))?.split("=")[1];
const inOrder = extra.includes("--sequence.shuffle=false");
const seed = given ?? String(Date.now());
// vitest refuses an option given twice: a caller's own --sequence.shuffle… is left as given.
const shuffleGiven = extra.some((a) => a.startsWith("--sequence.shuffle"));
const order = [...(shuffleGiven ? [] : ["--sequence.shuffle"]), ...(given || inOrder ? [] : [`--sequence.seed=${seed}`])];

const code = await new Promise<number>((resolve) => {
  const child = spawn(
    process.execPath,
    [path.join(root, "node_modules/vitest/vitest.mjs"), "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...order, ...extra],
    { cwd: root, stdio: "inherit", env: { ...process.env, ASTRO_TELEMETRY_DISABLED: "1" } },
  );
  child.on("exit", (c) => resolve(c ?? 1));
});

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const data = JSON.parse(readFileSync(report, "utf8")) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
    testResults: { status: string; message?: string }[];
  };
  passed = data.numPassedTests;
  failed = data.numFailedTests;
  skipped = data.numPendingTests + data.numTodoTests;
  // A file that failed to load (or a failing hook) has no failed test of its own: count it.
  failed += data.testResults.filter((file) => file.status === "failed" && file.message).length;
} catch {
  failed = Math.max(failed, 1);
  console.error("No test report was written: vitest did not finish.");
}
rmSync(dir, { recursive: true, force: true });
if (code !== 0 && failed === 0) failed = 1;
console.log(inOrder ? "Test order: file order" : `Test order: seed ${seed} (npm test -- --sequence.seed=${seed} runs it again)`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(code === 0 && failed === 0 ? 0 : 1);
