// offthread.ts: a job runs in a thread of its own, so the caller's thread keeps running while it
// works; a job over its time budget answers null and the next job gets a fresh thread;
// a ValidationError crosses back with its field; jobs run one at a time, each in its own budget.
// The memory cap is not tested: Node enforces it on a best-effort basis only (see offthread.ts).
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/lib/server/errors.ts";
import { run, runInProcess } from "../fixtures/offthread-jobs.ts";

describe("threadRunner", () => {
  it("runs the job in a worker thread and answers with its result", async () => {
    await expect(run({ kind: "where" })).resolves.toMatch(/^worker \d+$/);
    await expect(run({ kind: "echo", value: "sepsis" })).resolves.toBe("echo sepsis");
  });

  it("leaves the caller's thread free while a job works: a timer set after it fires before it ends", async () => {
    const order: string[] = [];
    const job = run({ kind: "spin", ms: 600 }).then((r) => order.push(`job ${r}`));
    await new Promise((resolve) => setTimeout(resolve, 50));
    order.push("timer");
    await job;
    expect(order).toEqual(["timer", "job spun"]);
  });

  it("answers null for a job over its time budget, and the next job runs in a fresh thread", async () => {
    await expect(run({ kind: "spin", ms: 60_000 })).resolves.toBeNull();
    await expect(run({ kind: "echo", value: "after" })).resolves.toBe("echo after");
  });

  it("throws a ValidationError from the job again, with its field and message", async () => {
    const error = await run({ kind: "refuse", value: "x.pdf" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field: "attachments", message: "refused x.pdf" });
  });

  it("runs jobs one at a time, each within its own budget: three that take 1 s each all finish", async () => {
    // Together they take longer than one budget (1.5 s); a timer counting the queue would cut the last.
    const results = await Promise.all([run({ kind: "spin", ms: 1_000 }), run({ kind: "spin", ms: 1_000 }), run({ kind: "spin", ms: 1_000 })]);
    expect(results).toEqual(["spun", "spun", "spun"]);
  });

  it("keeps its thread between jobs, ends it once idle, and starts a new one for the next job", async () => {
    const first = await run({ kind: "where" });
    await expect(run({ kind: "where" })).resolves.toBe(first);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const next = await run({ kind: "where" });
    expect(next).toMatch(/^worker \d+$/);
    expect(next).not.toBe(first);
  });

  it("answers null for a job over its time budget and starts a fresh thread for the next", async () => {
    const before = await run({ kind: "where" });
    await expect(run({ kind: "spin", ms: 60_000 })).resolves.toBeNull();
    expect(await run({ kind: "where" })).not.toBe(before);
  });
});

describe("processRunner", () => {
  it("runs the job in another process and answers with its result; a ValidationError crosses back", async () => {
    const where = await runInProcess({ kind: "where" });
    expect(where).toMatch(/^process \d+$/);
    expect(where).not.toBe(`process ${process.pid}`);
    await expect(runInProcess({ kind: "echo", value: "chute" })).resolves.toBe("echo chute");
    await expect(runInProcess({ kind: "refuse", value: "y.pdf" }).catch((e: unknown) => e)).resolves.toMatchObject({
      field: "attachments",
      message: "refused y.pdf",
    });
  });

  it("kills a job whose memory outside the JS heap passes the cap, answers null, and the next job gets a fresh process", async () => {
    const before = await runInProcess({ kind: "where" });
    await expect(runInProcess({ kind: "inflate" })).resolves.toBeNull();
    const after = await runInProcess({ kind: "where" });
    expect(after).toMatch(/^process \d+$/);
    expect(after).not.toBe(before);
  });

  it("answers null for a job over its time budget", async () => {
    await expect(runInProcess({ kind: "spin", ms: 60_000 })).resolves.toBeNull();
    await expect(runInProcess({ kind: "echo", value: "after" })).resolves.toBe("echo after");
  });
});
