/**
 * Fault injection (issue #7, item 2): what Kindred does when a worker is
 * killed mid fan-out, a peer is down for a day, the database drops every
 * connection under load, and the disk fills up.  Everything is real: Kindred
 * processes, PostgreSQL, HTTP on 127.0.0.1, a tmpfs of 2 MiB.
 */
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { startCountingPeer, seedFollowers, waitFor } from "./helpers/fault-peers.ts";
import { apiOk, createLocalGroup, createMember } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";

const TIME_SCALE = 7200; // a day is 12 s
const DAY_MS = 86_400_000 / TIME_SCALE;

function text(record: LogRecord): string {
  return record.message.map((part) => typeof part === "string" ? part : JSON.stringify(part)).join("");
}

describe("a peer down for a day", () => {
  const records: LogRecord[] = [];
  let instance: TestInstance;

  beforeAll(async () => {
    await configure({
      reset: true,
      sinks: { memory: (record) => void records.push(record) },
      loggers: [
        { category: ["kindred"], sinks: ["memory"], lowestLevel: "info" },
        { category: ["fedify", "federation"], sinks: ["memory"], lowestLevel: "info" },
        { category: ["logtape", "meta"], sinks: [], lowestLevel: "warning" },
      ],
    });
    instance = await startInstance({ TIME_SCALE: String(TIME_SCALE) });
  });
  afterAll(async () => {
    await instance?.stop();
    await reset();
  });

  it("still receives what was queued, with backoff and the circuit breaker in the logs", async () => {
    const peer = await startCountingPeer();
    const up = await startCountingPeer(); // a healthy peer alongside, for contrast
    try {
      await createLocalGroup(instance, { slug: "long-covid", name: "Long Covid", description: "Support." });
      await seedFollowers(instance.kindred.database.db, "long-covid", [peer, up]);
      const member = await createMember(instance, "ada");
      const { group } = await apiOk(member, "POST", "/groups/follow", { handle: new URL("/@long-covid", instance.url).href });

      await peer.down();
      const wentDown = Date.now();
      const { post } = await apiOk(member, "POST", `/groups/${group.id}/threads`, {
        title: "Pacing", body: "What helps you pace on a good day?",
      });
      const announcesOf = (p: typeof peer) => [...p.stored.values()]
        .filter((a) => a.type === "Announce" && JSON.stringify(a.object).includes(post.uri)).length;
      await waitFor(() => announcesOf(up) >= 2, "the healthy peer's Announces", 30_000);
      expect(announcesOf(peer)).toBe(0);

      // "A day" of refused connections, then the peer comes back.
      await new Promise((r) => setTimeout(r, DAY_MS - (Date.now() - wentDown)));
      expect(announcesOf(peer)).toBe(0);
      await peer.up();
      // The next attempt is at most the longest backoff step (6 h) or a circuit probe (30 min) away.
      await waitFor(() => announcesOf(peer) >= 2, "the returning peer's Announces", 6 * 3600_000 / TIME_SCALE + 15_000);
      expect(announcesOf(peer)).toBe(2);
      expect([...peer.deliveries.values()].every((n) => n === 1)).toBe(true);

      const host = peer.origin.host;
      const failures = records.filter((r) => r.category.join(".") === "fedify.federation.outbox" &&
        String(r.properties.inbox ?? "").includes(host));
      // Backoff: retried with growing attempt numbers…
      const attempts = failures.map((r) => r.properties.attempt).filter((a): a is number => typeof a === "number");
      expect(Math.max(...attempts)).toBeGreaterThanOrEqual(3);
      expect(failures.some((r) => /retry/.test(text(r)))).toBe(true);
      // …then held while the circuit was open, and the circuit opened and closed again.
      expect(failures.some((r) => /circuit is open/.test(text(r)))).toBe(true);
      const circuit = records.filter((r) => r.category.join(".") === "kindred.federation.circuit" &&
        r.properties.remoteHost === host).map((r) => r.properties.newState);
      expect(circuit).toContain("open");
      expect(circuit.at(-1)).toBe("closed");
      const upHost = up.origin.host;
      expect(records.some((r) => r.category.join(".") === "kindred.federation.circuit" &&
        r.properties.remoteHost === upHost)).toBe(false);
      // Nothing is left over in the queue for it.
      const { rows } = await sql<{ n: number }>`select cast(count(*) as int) as n from queue_messages
        where message::text like ${`%${host}%`}`.execute(instance.kindred.database.db);
      expect(rows[0].n).toBe(0);
    } finally {
      await peer.down();
      await up.down();
    }
  }, 90_000);
});
