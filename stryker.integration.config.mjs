// Mutation testing of the database-backed modules (issue 10 §7) against the integration tests and a real
// PocketBase: `npm run mutate:integration` (all of them; several hours on two shared cores), one module:
// `npm run mutate:integration -- --mutate src/lib/server/flags.ts`. stryker.config.mjs does the same for the
// pure modules against the unit tests, where these modules show up as "no coverage".
// perTest coverage: a mutant runs only the integration tests that executed it (a mutant hit outside any test,
// in a beforeAll or at module load, runs every related test file). One PocketBase serves the whole session
// (vitest.mutate-integration.config.ts). Incremental results are kept apart from the unit run's, in
// .cache/stryker/integration-incremental.json; reports in .cache/stryker/integration.{html,json}.
// No TypeScript checker by default: the unit run's type-check per mutant (about 1.5 s) would double the run time.
// Vitest strips types, so a mutant that would not compile is tested as plain JavaScript (and usually killed):
// add `--checkers typescript` to leave those out of the score.
import base from "./stryker.config.mjs";

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  ...base,
  vitest: { configFile: "vitest.mutate-integration.config.ts" },
  checkers: [],
  mutate: ["src/lib/server/{moderation,session,users,orgs,funding,flags,queues,anonymity}.ts", "src/lib/server/search/{documents,outbox}.ts"],
  incrementalFile: ".cache/stryker/integration-incremental.json",
  htmlReporter: { fileName: ".cache/stryker/integration.html" },
  jsonReporter: { fileName: ".cache/stryker/integration.json" },
  // Each mutant's result as it is known (read with `npm run mutate:survivors -- .cache/stryker/events`): a run of
  // hours that has to stop early keeps what it found; the folder is emptied when a run starts.
  reporters: [...base.reporters, "event-recorder"],
  eventReporter: { baseDir: ".cache/stryker/events" },
  tempDirName: ".cache/stryker/tmp-integration",
  // A mutant's tests talk to PocketBase over HTTP; allow for a slow shared machine before calling it a timeout.
  timeoutMS: 30_000,
  // The initial run executes every integration file related to the mutated modules (minutes, not seconds).
  dryRunTimeoutMinutes: 30,
};
export default config;
