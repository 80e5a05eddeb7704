/**
 * Receiving instances for tests/faults.test.ts: an HTTP server on a fixed
 * 127.0.0.1 port serving actors `/u/0` … (with the simulated actors' key
 * from bench/peers.ts) and an inbox that keeps each activity once by id, as
 * a real server's idempotency would, while counting every delivery.  It can
 * go down (connections refused) and come back on the same port, and can
 * hold each delivery open for a while before answering.
 */
import { createServer, type Server } from "node:http";
import { type Kysely, sql } from "kysely";
import { publicKeyPem } from "../../bench/peers.ts";
import type { Schema } from "../../db/schema.ts";
import { freePort } from "./instance.ts";

export interface CountingPeer {
  origin: URL;
  /** Activities kept, one per id. */
  stored: Map<string, { type: string; object?: unknown }>;
  /** Deliveries per activity id (more than 1: a duplicate was absorbed). */
  deliveries: Map<string, number>;
  /** Deliveries that have arrived, answered or not. */
  arrived(): number;
  up(): Promise<void>;
  down(): Promise<void>;
}

export async function startCountingPeer(options: { delayMs?: number; actors?: number } = {}): Promise<CountingPeer> {
  const { delayMs = 0, actors = 1 } = options;
  const pem = await publicKeyPem();
  const port = await freePort();
  const origin = new URL(`http://127.0.0.1:${port}/`);
  const stored = new Map<string, { type: string; object?: unknown }>();
  const deliveries = new Map<string, number>();
  let arrived = 0;
  let server: Server | undefined;
  const handler = (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => {
    if (req.method === "POST") {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        arrived++;
        try {
          const activity = JSON.parse(body);
          const id = String(activity.id);
          deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
          if (!stored.has(id)) stored.set(id, { type: String(activity.type), object: activity.object });
        } catch { /* not JSON: not stored */ }
        setTimeout(() => res.writeHead(202).end(), delayMs);
      });
      return;
    }
    const m = /^\/u\/(\d+)$/.exec(req.url ?? "");
    if (req.method === "GET" && m && Number(m[1]) < actors) {
      const id = `${origin.href}u/${m[1]}`;
      res.writeHead(200, { "content-type": "application/activity+json" }).end(JSON.stringify({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        id,
        type: "Person",
        preferredUsername: `peer${m[1]}`,
        inbox: `${id}/inbox`,
        endpoints: { sharedInbox: `${origin.href}inbox` },
        publicKey: { id: `${id}#main-key`, owner: id, publicKeyPem: pem },
      }));
      return;
    }
    res.writeHead(404).end();
  };
  const peer: CountingPeer = {
    origin,
    stored,
    deliveries,
    arrived: () => arrived,
    async up() {
      if (server) return;
      const s = createServer(handler);
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.listen(port, "127.0.0.1", () => resolve());
      });
      server = s;
    },
    async down() {
      const s = server;
      server = undefined;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
  await peer.up();
  return peer;
}

/** Makes actors `/u/0` … `/u/{actors-1}` of each peer accepted followers of a local group, straight in the database. */
export async function seedFollowers(db: Kysely<Schema>, groupSlug: string, peers: { origin: URL }[], actors = 1): Promise<void> {
  for (const peer of peers) {
    for (let n = 0; n < actors; n++) await seedFollower(db, groupSlug, peer.origin, n);
  }
}

/** Makes actor `/u/{n}` of the server at `origin` an accepted follower of a local group (shared inbox: `/inbox` there, unless given). */
export async function seedFollower(
  db: Kysely<Schema>,
  groupSlug: string,
  origin: URL,
  n: number,
  sharedInbox = new URL("inbox", origin).href,
): Promise<void> {
  const group = await db.selectFrom("actors").select("id").where("username", "=", groupSlug)
    .where("local", "=", true).executeTakeFirstOrThrow();
  const { id } = await db.insertInto("actors").values({
    uri: new URL(`u/${n}`, origin).href,
    type: "Person",
    local: false,
    username: `peer${n}`,
    host: origin.host,
    inbox_url: new URL(`u/${n}/inbox`, origin).href,
    shared_inbox_url: sharedInbox,
  }).returning("id").executeTakeFirstOrThrow();
  await db.insertInto("follows")
    .values({ follower_id: id, followee_id: group.id, state: "accepted", activity_uri: null }).execute();
}

/** Rows in the queue table, whatever their state. */
export async function queueRows(db: Kysely<Schema>): Promise<number> {
  const { rows } = await sql<{ n: number }>`select cast(count(*) as int) as n from queue_messages`.execute(db);
  return rows[0].n;
}

export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
