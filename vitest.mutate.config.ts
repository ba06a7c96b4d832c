import { defineConfig } from "vitest/config";

// The tests Stryker runs against each mutant (`npm run mutate`, stryker.config.mjs): the unit project only.
// The other projects start PocketBase or a built site and share state between tests, which per-test
// mutant runs (one test picked out of its file) cannot rely on.
export default defineConfig({
  test: {
    // CASEBOOK_MUTATE_TESTS=tests/unit/x.test.ts,… narrows the run to the test files of the module being mutated
    // (Stryker's first run executes every included file, at the machine's load minutes for the whole unit project).
    include: process.env.CASEBOOK_MUTATE_TESTS?.split(",").filter(Boolean) ?? ["tests/unit/**/*.test.ts"],
    environment: "node",
    // Lets timing checks allow for the slower, instrumented code (tests/unit/privacy.test.ts).
    // Hits built on the test's own thread: Stryker cannot switch mutants on in a hit thread.
    env: { CASEBOOK_MUTATION_RUN: "1", CASEBOOK_SEARCH_THREADS: "0" },
    testTimeout: 60_000,
  },
});
