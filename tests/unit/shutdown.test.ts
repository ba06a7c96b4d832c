// Issue 16 §10: the order and bounds of the work a stopping site finishes (src/lib/server/shutdown.ts).
// The HTTP half — in-flight requests finished, new ones refused, nothing lost — is
// tests/security/shutdown.test.ts, on a real site process and PocketBase.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  SHUTDOWN_ORDER,
  coordinateShutdown,
  isShuttingDown,
  onShutdown,
  resetShutdownForTests,
  runShutdownHooks,
  untilIdle,
} from "../../src/lib/server/shutdown.ts";

beforeAll(() => {
  // Like scripts/serve.ts: this test process keeps its own signal handling.
  coordinateShutdown();
});
afterEach(() => resetShutdownForTests());

describe("runShutdownHooks", () => {
  it("runs schedules, then work after responses, then the outbox workers, then the snapshot, whatever the registration order", async () => {
    const ran: string[] = [];
    const hook = (name: string) => async () => void ran.push(name);
    onShutdown("search snapshot", SHUTDOWN_ORDER.save, hook("snapshot"));
    onShutdown("search outbox worker", SHUTDOWN_ORDER.workers, hook("search worker"));
    onShutdown("work after responses", SHUTDOWN_ORDER.background, hook("background"));
    onShutdown("digest schedule", SHUTDOWN_ORDER.schedules, hook("digests"));
    const steps = await runShutdownHooks();
    expect(ran).toEqual(["digests", "background", "search worker", "snapshot"]);
    expect(steps.map((s) => s.name)).toEqual(["digest schedule", "work after responses", "search outbox worker", "search snapshot"]);
    expect(steps.every((s) => s.error === undefined)).toBe(true);
  });

  it("waits for a hook's unfinished work before the next one starts", async () => {
    const ran: string[] = [];
    onShutdown("worker", SHUTDOWN_ORDER.workers, async () => {
      await new Promise((r) => setTimeout(r, 50));
      ran.push("worker finished its batch");
    });
    onShutdown("snapshot", SHUTDOWN_ORDER.save, async () => void ran.push("snapshot saved"));
    await runShutdownHooks();
    expect(ran).toEqual(["worker finished its batch", "snapshot saved"]);
  });

  it("reports a failing or stuck hook by name and still runs the others", async () => {
    const ran: string[] = [];
    onShutdown("mail outbox worker", SHUTDOWN_ORDER.workers, async () => {
      throw new Error("SMTP server gone");
    });
    onShutdown("stuck job", SHUTDOWN_ORDER.schedules, () => new Promise(() => undefined));
    onShutdown("search snapshot", SHUTDOWN_ORDER.save, async () => void ran.push("snapshot"));
    const steps = await runShutdownHooks(100);
    expect(ran).toEqual(["snapshot"]);
    expect(steps).toEqual([
      expect.objectContaining({ name: "stuck job", error: "still running after 100 ms" }),
      expect.objectContaining({ name: "mail outbox worker", error: "SMTP server gone" }),
      { name: "search snapshot", ms: expect.any(Number) },
    ]);
  });

  it("runs each hook once however many times shutdown is asked for, and a name registered twice runs once", async () => {
    let runs = 0;
    onShutdown("worker", SHUTDOWN_ORDER.workers, async () => {
      runs += 1;
    });
    onShutdown("worker", SHUTDOWN_ORDER.workers, async () => {
      runs += 10;
    });
    expect(isShuttingDown()).toBe(false);
    const [a, b] = await Promise.all([runShutdownHooks(), runShutdownHooks()]);
    expect(a).toBe(b);
    expect(runs).toBe(10);
    expect(isShuttingDown()).toBe(true);
  });
});

describe("untilIdle", () => {
  it("resolves only once no scheduled job is in the middle of a run", async () => {
    let busy = true;
    setTimeout(() => {
      busy = false;
    }, 150);
    const started = Date.now();
    await untilIdle([{ isBusy: () => false }, { isBusy: () => busy }]);
    expect(busy).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });
});
