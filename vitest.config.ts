import { defineConfig } from "vitest/config";

// Four projects, one per layer of real components plus the security suite (DESIGN.md §7).
// Request and job log lines (CASEBOOK_LOG) are off in every test process and in the site
// processes tests start (they inherit it); tests/security/observability.test.ts turns them on.
// The projection cache (projections.ts) is off too: fixtures write to PocketBase from outside the
// site, and its realtime event reaching the site a moment after the next page request would make
// tests flaky; tests/security/projections.test.ts and tests/integration/projections.test.ts turn it on.
const env = { CASEBOOK_LOG: "off", CASEBOOK_PROJECTION_CACHE: "off" };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts"],
          environment: "node",
          env,
          // A Meilisearch for the contract suite when MEILI_URL, MEILI_BIN or PATH gives one.
          globalSetup: ["tests/helpers/meili-setup.ts"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          env,
          globalSetup: ["tests/integration/global-setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.test.ts"],
          environment: "node",
          env,
          globalSetup: ["tests/e2e/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        // Attack scenarios against the real site and PocketBase (DESIGN.md §7, issue 9).
        test: {
          name: "security",
          include: ["tests/security/**/*.test.ts"],
          environment: "node",
          env,
          globalSetup: ["tests/security/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
