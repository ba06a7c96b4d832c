// Mutation testing (issue 10 §7): `npm run mutate`; one module: `npm run mutate -- --mutate src/lib/server/can.ts`
// (several: comma-separated paths, no braces). Not part of `npm test`. Reports and the incremental file stay under
// .cache/stryker/ (ignored); `--force` re-tests every mutant instead of reusing unchanged results. Re-run with
// `--force` after adding tests: incremental mode keeps the old result of a static mutant (one in a module-level
// constant, such as the CSP list in headers.ts) even when a new test would now kill it.
// Static mutants run every related test file; `--ignoreStatic` leaves them out for a quicker look (privacy.ts
// has about 720 of them, markdown.ts about 110, each costing a full run of its test files).
// `CASEBOOK_MUTATE_TESTS=tests/unit/privacy.test.ts,…` runs only those unit test files (vitest.mutate.config.ts), for a
// quicker first run on a busy machine; name every file that tests the module, or its mutants count as not covered.
//
// Mutants run against the unit tests only (vitest.mutate.config.ts): the modules exercised by integration tests
// alone (moderation, session, users, orgs, funding, flags, queues, search/*, anonymity's database functions) show
// up as "no coverage" here; `npm run mutate:integration` (stryker.integration.config.mjs) mutates them against the
// integration tests and a real PocketBase.
// The TypeScript checker drops mutants that do not compile before they are tested; it re-checks the project once per
// mutant (about 1.5 s each here, several times the test run). `--checkers ""` skips it for a quick look.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutate.config.ts" },
  checkers: ["typescript"],
  // The mutated modules and the unit tests: smaller than the whole project, and not broken by unrelated work in progress.
  tsconfigFile: "tsconfig.mutate.json",
  coverageAnalysis: "perTest",
  mutate: [
    "src/lib/server/{can,privacy,markdown,moderation,session,users,orgs,funding,flags,queues,tokens}.ts",
    "src/lib/server/{urls,headers,redirects,anonymity,addresses,ratelimit}.ts",
    "src/lib/server/search/{documents,outbox}.ts",
  ],
  incremental: true,
  incrementalFile: ".cache/stryker/incremental.json",
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: ".cache/stryker/mutation.html" },
  jsonReporter: { fileName: ".cache/stryker/mutation.json" },
  tempDirName: ".cache/stryker/tmp",
  // Built sites, data folders and docs are not needed to run the unit tests.
  ignorePatterns: ["/.cache", "/.data", "/dist", "/docs", "/bench", "/test-results"],
  // Two cores shared by everyone: one test runner (plus one type-checker process).
  concurrency: 1,
  timeoutMS: 10_000,
};
export default config;
