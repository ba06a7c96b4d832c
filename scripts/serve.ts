// The site process (`npm start` and the tests spawn this, not dist/server/entry.mjs): Astro's
// standalone server, started here so that SIGTERM or SIGINT stops it gracefully (issue 16 §10):
// no new connections, requests in flight finish (up to CASEBOOK_SHUTDOWN_TIMEOUT_MS, 10 s by
// default), then the shutdown hooks run (scheduled jobs, work after responses, the outbox
// workers' current batch, the search snapshot; src/lib/server/shutdown.ts) and the process
// exits 0. PocketBase is stopped by `npm start` only after this process has exited.
//
// CASEBOOK_PROCESSES=N (set by `npm start -- --processes N`, issue 16 §5): this process becomes
// a supervisor that runs N site processes sharing one port (Node's cluster module; each accepts
// from the shared socket), restarts one that dies, and on SIGTERM stops them all gracefully. They
// share PocketBase, Meilisearch, the rate limits' counts and the outbox leases; the embedded
// search engine, which lives inside one process, is refused.
import cluster from "node:cluster";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { beginShutdown, coordinateShutdown, runShutdownHooks } from "../src/lib/server/shutdown.ts";
import { EARLY_ANSWERS, type EarlyAnswer } from "../src/lib/server/earlyanswers.ts";
import { outDir } from "./lib/build-stamp.ts";
import { METRICS_REQUEST, METRICS_RESPONSE, startMetrics } from "../src/lib/server/observability.ts";
import { multiProcessProblem } from "./lib/processes.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const timeoutMs = Number(process.env.CASEBOOK_SHUTDOWN_TIMEOUT_MS ?? "") || 10_000;
const log = (line: string) => console.log(`[casebook] ${line}`);

// Before the bundle loads: its modules register shutdown hooks instead of signal handlers, and
// Astro's entry waits for startServer() below.
const processes = Number(process.env.CASEBOOK_PROCESSES ?? "1");
if (!Number.isInteger(processes) || processes < 1 || processes > 64) {
  console.error(`[casebook] CASEBOOK_PROCESSES must be a whole number from 1 to 64, got "${process.env.CASEBOOK_PROCESSES}"`);
  process.exit(2);
}
if (processes > 1 && cluster.isPrimary) {
  // npm start sets both for N > 1; a hand-made setup is checked here too.
  const problem = multiProcessProblem(process.env) ?? (process.env.MEILI_URL ? null : "Several site processes need MEILI_URL");
  if (!problem && process.env.CASEBOOK_RATE_LIMITS !== "pocketbase") process.env.CASEBOOK_RATE_LIMITS = "pocketbase";
  if (problem) {
    console.error(`[casebook] ${problem}`);
    process.exit(2);
  }
  await supervise(processes);
} else {
  await serve();
}

// The supervisor: N workers on one port, a dead one replaced (unless they keep dying), all
// stopped gracefully on SIGTERM/SIGINT.
async function supervise(count: number): Promise<void> {
  let stopping = false;
  const recentDeaths: number[] = [];
  // Each process accepts from the shared socket itself (the kernel spreads the connections)
  // rather than Node's default round robin through this process: with round robin, a
  // connection handed to a process at the instant it dies is never answered nor closed (the
  // hand-off waits for a reply that cannot come), so its client hangs; with the shared socket it
  // stays queued for a living process. Found by tests/security/processes.test.ts.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  for (let i = 0; i < count; i++) cluster.fork();
  log(`${count} site processes sharing port ${process.env.PORT ?? 4321}`);
  // A scrape of /metrics reaches one process; it asks here, and the answer sums every process's
  // metrics (prom-client's AggregatorRegistry asks each of them; src/lib/server/observability.ts).
  const { default: promClient } = await import("prom-client");
  const aggregator = new promClient.AggregatorRegistry();
  cluster.on("message", (worker, message: { type?: string; id?: string }) => {
    if (message?.type !== METRICS_REQUEST) return;
    aggregator.clusterMetrics().then(
      (text) => worker.isConnected() && worker.send({ type: METRICS_RESPONSE, id: message.id, text }),
      (error: Error) => worker.isConnected() && worker.send({ type: METRICS_RESPONSE, id: message.id, error: error.message }),
    );
  });
  const listening = new Set<number>();
  cluster.on("listening", (worker) => listening.add(worker.id));
  cluster.on("exit", (worker, code, signal) => {
    listening.delete(worker.id);
    if (stopping) return;
    const now = Date.now();
    recentDeaths.push(now);
    while (recentDeaths.length > 0 && now - recentDeaths[0]! > 60_000) recentDeaths.shift();
    if (recentDeaths.length > count * 3) {
      console.error(`[casebook] site processes keep stopping (${recentDeaths.length} in a minute); giving up`);
      void stopAll("SIGTERM", 1);
      return;
    }
    console.error(`[casebook] site process ${worker.process.pid} stopped (${signal ?? `exit code ${code}`}); starting another`);
    cluster.fork();
  });
  async function stopAll(signal: NodeJS.Signals, code = 0): Promise<void> {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
    log(`${signal}: stopping ${workers.length} site processes`);
    const exits = workers.map((w) => new Promise<number>((resolve) => w.once("exit", (c) => resolve(c ?? 1))));
    // Each worker finishes its requests and its part of the outbox work (see serve() below). One
    // started a moment ago (a replacement) is told once it listens: before its handlers are in
    // place, SIGTERM would end it abruptly.
    for (const [i, w] of workers.entries()) {
      const tell = () => w.process.kill("SIGTERM");
      if (listening.has(w.id)) tell();
      else {
        w.once("listening", tell);
        void exits[i]!.then(() => w.off("listening", tell));
      }
    }
    const codes = await Promise.all(exits);
    log(`all ${workers.length} site processes stopped`);
    process.exit(code || (codes.some((c) => c !== 0) ? 1 : 0));
  }
  process.on("SIGTERM", (signal) => void stopAll(signal));
  process.on("SIGINT", (signal) => void stopAll(signal));
}

// Some requests are answered before Astro (src/lib/server/earlyanswers.ts: a page the
// rendered-page cache holds, fastpages.ts; the search API, fastsearch.ts — registered on
// globalThis by the bundle's middleware): the same answer the middleware and route would give,
// without building a Web Request and Response around it. Everything else goes to Astro.
function answerEarlyFirst(server: Server): void {
  const astro = server.listeners("request") as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners("request");
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    // The registry lives on globalThis: the bundle's own copy of earlyanswers.ts fills it.
    const answers = (globalThis as { [EARLY_ANSWERS]?: Map<string, EarlyAnswer> })[EARLY_ANSWERS];
    for (const [name, answer] of answers ?? []) {
      try {
        if (answer(req, res)) return;
      } catch (error) {
        // A fault here must cost one early answer, not the process.
        console.error(`[casebook] answering ${req.method} from ${name} failed: ${(error as Error).stack ?? error}`);
        if (res.headersSent) return void res.destroy();
      }
    }
    for (const listener of astro) listener.call(server, req, res);
  });
}

async function serve(): Promise<void> {
  coordinateShutdown();
  // A stop asked for while the bundle loads (a process the supervisor just started, stopped with
  // the rest) is honoured once it has loaded, without listening: the default handler would end
  // the process with the signal instead of exit code 0.
  let early: NodeJS.Signals | null = null;
  let handle: (signal: NodeJS.Signals) => void = (signal) => {
    early ??= signal;
  };
  process.on("SIGTERM", (signal) => handle(signal));
  process.on("SIGINT", (signal) => handle(signal));
  process.env.ASTRO_NODE_AUTOSTART = "disabled";
  const entry = (await import(pathToFileURL(path.join(outDir(root), "server", "entry.mjs")).href)) as {
    startServer: () => { server: { server: Server } };
  };
  if (early) {
    log(`${early} while starting: stopped before taking requests`);
    process.exit(0);
  }
  if (cluster.isWorker) startMetrics();
  const server = entry.startServer().server.server;
  answerEarlyFirst(server);

  let inFlight = 0;
  let drained: (() => void) | null = null;
  server.on("request", (_req, res) => {
    inFlight++;
    res.once("close", () => {
      inFlight--;
      if (inFlight === 0) drained?.();
    });
  });

  let stopping = false;
  async function stop(signal: NodeJS.Signals): Promise<void> {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    beginShutdown();
    log(`${signal}: taking no new requests; finishing ${inFlight} in flight (up to ${timeoutMs / 1000} s)`);
    // close() stops listening; idle keep-alive connections are closed at once, busy ones once
    // their response is sent (Node answers with `Connection: close` while closing).
    server.close();
    server.closeIdleConnections();
    if (inFlight > 0) {
      const finished = await new Promise<boolean>((resolve) => {
        drained = () => resolve(true);
        setTimeout(() => resolve(false), timeoutMs).unref();
      });
      if (!finished) log(`${inFlight} request(s) still running after ${timeoutMs / 1000} s: closing their connections`);
    }
    server.closeAllConnections();
    const steps = await runShutdownHooks();
    for (const step of steps) {
      if (step.error) console.error(`[casebook] shutdown: ${step.name} failed: ${step.error}`);
    }
    log(`stopped in ${((Date.now() - started) / 1000).toFixed(1)} s (${steps.map((s) => s.name).join(", ") || "nothing to finish"})`);
    process.exit(steps.some((s) => s.error) ? 1 : 0);
  }
  handle = (signal) => void stop(signal);
}
