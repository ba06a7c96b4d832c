// Issue 16 §5: what `npm start -- --processes N` accepts, and what it refuses before starting
// anything (scripts/lib/processes.ts); the running processes are tests/security/processes.test.ts.
import { describe, expect, it } from "vitest";
import { multiProcessProblem, parseProcesses, siteProcessArgs, siteProcessEnv } from "../../scripts/lib/processes.ts";

describe("parseProcesses", () => {
  it("reads --processes N and --processes=N, and is 1 without it", () => {
    expect(parseProcesses([])).toBe(1);
    expect(parseProcesses(["--processes", "3"])).toBe(3);
    expect(parseProcesses(["--dev", "--processes=2"])).toBe(2);
  });

  it.each([[["--processes"]], [["--processes", "two"]], [["--processes", "0"]], [["--processes", "65"]], [["--processes=1.5"]], [["--processes", "-2"]]])(
    "refuses %j with the range and an example",
    (argv) => {
      expect(() => parseProcesses(argv)).toThrow(/--processes needs a whole number of site processes from 1 to 64, e\.g\. --processes 2/);
    },
  );
});

describe("multiProcessProblem", () => {
  it("refuses the embedded search engine and says why", () => {
    expect(multiProcessProblem({})).toMatch(/need Meilisearch: the embedded search engine keeps its index inside one process/);
  });

  it("refuses counts in memory when they were asked for explicitly", () => {
    expect(multiProcessProblem({ MEILI_URL: "http://127.0.0.1:7700", CASEBOOK_RATE_LIMITS: "memory" })).toMatch(/CASEBOOK_RATE_LIMITS=pocketbase/);
  });

  it("accepts Meilisearch (a server or a binary npm start runs) with shared or default counts", () => {
    expect(multiProcessProblem({ MEILI_URL: "http://127.0.0.1:7700" })).toBeNull();
    expect(multiProcessProblem({ MEILI_BIN: "/opt/meilisearch", CASEBOOK_RATE_LIMITS: "pocketbase" })).toBeNull();
  });
});

describe("how a site process is started", () => {
  it("exposes gc(), caps the young generation and has glibc return large freed blocks, unless the environment chose otherwise", () => {
    expect(siteProcessArgs("/srv/casebook/scripts/serve.ts")).toEqual([
      "--expose-gc",
      "--max-semi-space-size=16",
      "--heap-growing-percent=50",
      "/srv/casebook/scripts/serve.ts",
    ]);
    const env = siteProcessEnv({ PORT: "4321" });
    expect(env).toEqual({ PORT: "4321", MALLOC_ARENA_MAX: "1", MALLOC_MMAP_THRESHOLD_: "65536" });
    expect(siteProcessEnv({ MALLOC_ARENA_MAX: "8", MALLOC_MMAP_THRESHOLD_: "131072" })).toEqual({ MALLOC_ARENA_MAX: "8", MALLOC_MMAP_THRESHOLD_: "131072" });
  });
});
