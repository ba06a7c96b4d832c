// Leases in PocketBase (issue 16 §6): work that must happen in one place at a time when several
// site processes share one PocketBase — draining an outbox, a scheduled job's run.
//
// A lease is a row of `leases` (name, generation, holder, until). Taking a free or expired lease
// creates the next generation of its name; the unique index on (name, generation) makes exactly
// one of two processes racing for it succeed, with no read-then-write window (PocketBase's REST
// API has no conditional update). The holder extends its own row while it is comfortably valid;
// near its end it competes for a new generation instead, so an extension can never overlap
// another process's takeover. A crashed holder's lease simply runs out.
//
// Limits: the processes' clocks must roughly agree (they share a host or use NTP), and a holder
// that stalls longer than the lease (a frozen VM) may still finish the batch it had started
// after another process took over; the outboxes tolerate that (an upsert re-reads the post,
// a mail row is marked sent only once).
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { RecordModel } from "pocketbase";
import { now } from "./clock.ts";
import { getPocketBase } from "./pocketbase.ts";

/** This process's name as a holder: host, process id and a random part (a restarted process is someone else). */
export const PROCESS_ID = `${hostname().slice(0, 100)}:${process.pid}:${randomBytes(4).toString("hex")}`;

/** A lease this process holds until `until` (milliseconds since the epoch). */
export type Lease = { name: string; generation: number; holder: string; id: string; until: number };

/** Leases that ended this long ago are deleted when a new generation is taken. */
const KEEP_ENDED_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Takes or extends the lease `name` for `holder` (default: this process) for `durationMs`;
 * null while another holder's lease runs. Extends in place only while more than a third of
 * the lease is left; otherwise takes a new generation, which nobody else can take at once.
 */
export async function acquireLease(name: string, durationMs: number, holder: string = PROCESS_ID): Promise<Lease | null> {
  const pb = await getPocketBase();
  const current = await latest(name);
  const time = now();
  if (current && current.holder === holder && current.until - time > durationMs / 3) {
    const until = time + durationMs;
    await pb.collection("leases").update(current.id, { until: new Date(until).toISOString() });
    return { ...current, until };
  }
  if (current && current.holder !== holder && current.until > time) return null;
  const generation = current ? current.generation + 1 : 0;
  const until = time + durationMs;
  try {
    const created = await pb.collection("leases").create({ name, generation, holder, until: new Date(until).toISOString() });
    if (current) await forgetOldGenerations(name, generation);
    return { name, generation, holder, id: created.id, until };
  } catch (error) {
    // Someone else created this generation first (the unique index refused ours).
    const winner = await latest(name);
    if (winner && winner.generation >= generation && winner.holder !== holder) return null;
    throw error;
  }
}

/** Ends a lease this process holds (at shutdown), so another process need not wait for it to run out. */
export async function releaseLease(lease: Lease): Promise<void> {
  const pb = await getPocketBase();
  const current = await latest(lease.name);
  if (!current || current.id !== lease.id || current.holder !== lease.holder) return;
  await pb.collection("leases").update(lease.id, { until: new Date(now()).toISOString() });
}

/**
 * Claims the run of a scheduled job for one period ("2026-12-03T17"): true for exactly one
 * process, however many call it; the claim is kept (not released) so a process whose timer
 * fires a second later does not run the same period again.
 */
export async function claimPeriod(job: string, period: string, holder: string = PROCESS_ID): Promise<boolean> {
  const pb = await getPocketBase();
  const name = `job:${job}@${period}`.slice(0, 120);
  try {
    await pb.collection("leases").create({ name, generation: 0, holder, until: new Date(now() + KEEP_ENDED_MS).toISOString() });
    return true;
  } catch (error) {
    // The unique index refused ours: the period is claimed already (by anyone, ourselves included).
    if (await latest(name)) return false;
    throw error;
  }
}

/** A lease a loop asks for before each round: `hold()` says whether this process may work now. */
export type LeaseKeeper = { hold(): Promise<boolean>; release(): Promise<void>; held(): Lease | null };

/**
 * Keeps the lease `name` for a loop that runs every few hundred milliseconds without asking
 * PocketBase each time: while two thirds of the lease are left it is ours without a request;
 * another process's lease is looked at again only every third of `durationMs`.
 */
export function createLeaseKeeper(name: string, durationMs: number): LeaseKeeper {
  let lease: Lease | null = null;
  let lookAgainAt = 0;
  return {
    async hold() {
      const time = now();
      if (lease && lease.until - time > (2 * durationMs) / 3) return true;
      if (!lease && time < lookAgainAt) return false;
      try {
        lease = await acquireLease(name, durationMs);
      } catch (error) {
        lease = null;
        throw error;
      }
      if (!lease) lookAgainAt = time + durationMs / 3;
      return lease !== null;
    },
    async release() {
      const held = lease;
      lease = null;
      // A keeper started again after a stop asks at once, not after a wait left from before.
      lookAgainAt = 0;
      if (held) await releaseLease(held);
    },
    held: () => lease,
  };
}

/** How long one turn may hold its lease (a crashed process's turn runs out after this). */
const TURN_LEASE_MS = 30_000;
/** How long a caller waits for the turns before its own. */
const TURN_WAIT_MS = 10_000;

/**
 * Runs `work` while no other work under `name` runs, in this process or another sharing PocketBase:
 * for a check that reads what the work then spends (a daily allowance), which two requests at once
 * would each read unspent. Each call is its own holder, so calls of one process do not share a turn;
 * one that cannot get its turn within TURN_WAIT_MS fails with `busy()`.
 */
export async function inTurn<T>(name: string, work: () => Promise<T>, busy: () => Error): Promise<T> {
  const holder = `${PROCESS_ID}:${randomBytes(6).toString("hex")}`;
  const giveUpAt = Date.now() + TURN_WAIT_MS;
  for (;;) {
    const lease = await acquireLease(name, TURN_LEASE_MS, holder);
    if (lease) {
      try {
        return await work();
      } finally {
        await releaseLease(lease);
      }
    }
    if (Date.now() > giveUpAt) throw busy();
    await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 30));
  }
}

/** Who holds `name` now, or null when nobody does (no lease, or it ran out). */
export async function leaseHolder(name: string): Promise<string | null> {
  const current = await latest(name);
  return current && current.until > now() ? current.holder : null;
}

async function latest(name: string): Promise<Lease | null> {
  const pb = await getPocketBase();
  const page = await pb.collection("leases").getList(1, 1, {
    filter: pb.filter("name = {:name}", { name }),
    sort: "-generation",
    fields: "id,name,generation,holder,until",
    skipTotal: true,
  });
  const row = page.items[0] as (RecordModel & { name: string; generation: number; holder: string; until: string }) | undefined;
  return row ? { id: row.id, name: row.name, generation: row.generation, holder: row.holder, until: Date.parse(row.until) } : null;
}

// Earlier generations are history once a newer one exists; keep the table small (and ended
// job claims older than a week). Best effort: a failure here costs nothing but space.
async function forgetOldGenerations(name: string, generation: number): Promise<void> {
  try {
    const pb = await getPocketBase();
    const old = await pb.collection("leases").getList(1, 50, {
      filter: pb.filter("(name = {:name} && generation < {:generation}) || until < {:cutoff}", {
        name,
        generation,
        cutoff: new Date(now() - KEEP_ENDED_MS),
      }),
      fields: "id",
      skipTotal: true,
    });
    if (old.items.length === 0) return;
    const batch = pb.createBatch();
    for (const row of old.items) batch.collection("leases").delete(row.id);
    await batch.send();
  } catch {
    // Another process pruned the same rows first, or PocketBase is busy: next time.
  }
}
