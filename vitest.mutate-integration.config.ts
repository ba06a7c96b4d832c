import { configDefaults, defineConfig } from "vitest/config";

// The tests Stryker runs against each mutant of the database-backed modules (`npm run mutate:integration`,
// stryker.integration.config.mjs): the integration project, with its global setup starting one real PocketBase
// for the whole Stryker session (the runner keeps one Vitest instance, so the PocketBase is started once and
// stopped when Stryker ends). Stryker runs only the tests that covered a mutant (perTest coverage), so a test
// that relies on an earlier test of its file would fail alone and count as a kill: tests own their data.
export default defineConfig({
  test: {
    // CASEBOOK_MUTATE_TESTS=tests/integration/x.test.ts,… narrows the run to the files that test the mutated module:
    // code every publish runs (the outbox) is covered by most files, and each mutant would run them all.
    include: process.env.CASEBOOK_MUTATE_TESTS?.split(",").filter(Boolean) ?? ["tests/integration/**/*.test.ts"],
    // Stryker needs a green initial run: CASEBOOK_MUTATE_EXCLUDE=tests/integration/x.test.ts,… leaves out files
    // that fail at the moment (say which in the score you report).
    exclude: [...configDefaults.exclude, ...(process.env.CASEBOOK_MUTATE_EXCLUDE?.split(",").filter(Boolean) ?? [])],
    environment: "node",
    globalSetup: ["tests/integration/global-setup.ts"],
    // Hits built on the test's own thread: Stryker cannot switch mutants on in a hit thread.
    env: { CASEBOOK_MUTATION_RUN: "1", CASEBOOK_SEARCH_THREADS: "0" },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
