/**
 * The baseline for the benchmarks (issue #8): a minimal stock Fedify 2.3.6
 * app, written the way Fedify's manual shows, with Fedify's defaults
 * (in-memory KV store, in-process queue, default key pairs).  One Group
 * actor, `bench`; its inbox stores each activity with one INSERT; Follow is
 * answered with Accept; `POST /publish` sends a Create(Note) to the
 * followers.  Not part of Kindred: it only runs beside it in `npm run bench`.
 *
 *   PORT=… [DATABASE_URL=postgres://…] node --import tsx bench/baseline/server.ts
 */
import {
  createFederation,
  generateCryptoKeyPair,
  InProcessMessageQueue,
  MemoryKvStore,
} from "@fedify/fedify";
import { Accept, Create, Endpoints, Follow, Group, Note, PUBLIC_COLLECTION } from "@fedify/vocab";
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { createServer } from "node:http";

const port = Number(process.env.PORT ?? 4000);
const origin = `http://127.0.0.1:${port}`;

/** One INSERT per activity, into PostgreSQL or in-process PGlite. */
const store: { exec(sql: string, params: unknown[]): Promise<unknown>; count(): Promise<number> } =
  process.env.DATABASE_URL
    ? (() => {
      const pg = postgres(process.env.DATABASE_URL!, { max: 10, onnotice: () => {} });
      return {
        exec: (q: string, p: unknown[]) => pg.unsafe(q, p as never[]),
        count: async () => Number((await pg.unsafe("select count(*) as n from activities"))[0].n),
      };
    })()
    : (() => {
      const lite = new PGlite();
      return {
        exec: (q: string, p: unknown[]) => lite.query(q, p),
        count: async () => Number((await lite.query<{ n: number }>("select count(*)::int as n from activities")).rows[0].n),
      };
    })();
await store.exec("create table if not exists activities (id text primary key, body jsonb not null)", []);

const federation = createFederation<void>({ kv: new MemoryKvStore(), queue: new InProcessMessageQueue(), allowPrivateAddress: true });
const keys = await generateCryptoKeyPair(); // Fedify's default: RSASSA-PKCS1-v1_5, 4096 bits
const followers = new Map<string, { id: URL; inboxId: URL | null; endpoints: { sharedInbox: URL | null } | null }>();

federation.setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
  if (identifier !== "bench") return null;
  return new Group({
    id: ctx.getActorUri(identifier),
    preferredUsername: identifier,
    inbox: ctx.getInboxUri(identifier),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    followers: ctx.getFollowersUri(identifier),
    publicKey: (await ctx.getActorKeyPairs(identifier))[0].cryptographicKey,
  });
}).setKeyPairsDispatcher((_ctx, identifier) => (identifier === "bench" ? [keys] : []));

federation.setFollowersDispatcher("/users/{identifier}/followers", () => ({
  items: [...followers.values()].map((f) => ({ id: f.id, inboxId: f.inboxId, endpoints: f.endpoints })),
}));

federation.setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    const follower = await follow.getActor(ctx);
    if (!follower?.id || !follow.id) return;
    followers.set(follower.id.href, {
      id: follower.id,
      inboxId: follower.inboxId,
      endpoints: { sharedInbox: follower.endpoints?.sharedInbox ?? null },
    });
    await ctx.sendActivity(
      { identifier: "bench" },
      follower,
      new Accept({ id: new URL(`#accept/${crypto.randomUUID()}`, origin), actor: ctx.getActorUri("bench"), object: follow }),
    );
  })
  .on(Create, async (_ctx, create) => {
    await store.exec("insert into activities (id, body) values ($1, $2) on conflict do nothing", [
      create.id?.href ?? crypto.randomUUID(),
      JSON.stringify(await create.toJsonLd()),
    ]);
  });

const server = createServer(async (req, res) => {
  if (req.url === "/count") return void res.end(String(await store.count()));
  if (req.url === "/publish" && req.method === "POST") {
    const ctx = federation.createContext(new URL(origin), undefined);
    const id = crypto.randomUUID();
    await ctx.sendActivity({ identifier: "bench" }, "followers", new Create({
      id: new URL(`/creates/${id}`, origin),
      actor: ctx.getActorUri("bench"),
      to: PUBLIC_COLLECTION,
      object: new Note({ id: new URL(`/notes/${id}`, origin), content: "Hello, followers", to: PUBLIC_COLLECTION }),
    }));
    return void res.writeHead(202).end();
  }
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const request = new Request(new URL(req.url ?? "/", origin), {
    method: req.method,
    headers: req.headers as Record<string, string>,
    body: req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks),
  });
  const response = await federation.fetch(request, { contextData: undefined });
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
});
server.listen(port, "127.0.0.1", () => process.stdout.write(`baseline listening on ${origin}\n`));
