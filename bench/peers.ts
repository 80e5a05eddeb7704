/**
 * Simulated remote servers for the benchmarks: one HTTP server on 127.0.0.1
 * per simulated instance, each serving its actors (with their public keys)
 * and a shared inbox that counts what it receives.  Requests to the server
 * under test are signed ahead of time, so the load generator spends no CPU
 * on signatures while it measures.
 */
import { exportSpki, signRequest } from "@fedify/fedify";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface StubPeer {
  origin: URL;
  actorUri(n: number): URL;
  /** Activities received, by type (shared inbox and personal inboxes). */
  received: Map<string, number>;
  /** Resolves when `count` activities of `type` have arrived in total. */
  waitFor(type: string, count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface SignedPost {
  url: URL;
  body: string;
  headers: Headers;
}

/** One RSA-2048 key (Mastodon's size) shared by every simulated actor: each has its own key id. */
let keys: Promise<CryptoKeyPair> | undefined;
function keyPair(): Promise<CryptoKeyPair> {
  // The promise is kept, not the pair: peers started at once must share one key.
  keys ??= crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  ) as Promise<CryptoKeyPair>;
  return keys;
}

/** The simulated actors' public key, as PEM. */
export async function publicKeyPem(): Promise<string> {
  return await exportSpki((await keyPair()).publicKey);
}

/**
 * A simulated instance's request handler: serves actors `/u/0` …
 * `/u/{actors-1}` (with the shared key) and counts, by type, the
 * activities POSTed to any inbox in `received`.
 */
export function stubHandler(actors: number, pem: string, received: Map<string, number>) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const origin = `http://127.0.0.1:${(req.socket.localPort)}/`;
    if (req.method === "POST") {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        let type = "invalid";
        try {
          type = String(JSON.parse(body).type);
        } catch { /* counted as invalid */ }
        received.set(type, (received.get(type) ?? 0) + 1);
        res.writeHead(202).end();
      });
      return;
    }
    const m = /^\/u\/(\d+)$/.exec(req.url ?? "");
    if (req.method === "GET" && m && Number(m[1]) < actors) {
      const id = `${origin}u/${m[1]}`;
      res.writeHead(200, { "content-type": "application/activity+json" }).end(JSON.stringify({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        id,
        type: "Person",
        preferredUsername: `bench${m[1]}`,
        inbox: `${id}/inbox`,
        endpoints: { sharedInbox: `${origin}inbox` },
        publicKey: { id: `${id}#main-key`, owner: id, publicKeyPem: pem },
      }));
      return;
    }
    res.writeHead(404).end();
  };
}

/** Starts a simulated instance with actors `/u/0` … `/u/{actors-1}`. */
export async function startStubPeer(actors: number): Promise<StubPeer> {
  const received = new Map<string, number>();
  const server = createServer(stubHandler(actors, await publicKeyPem(), received));
  const origin = await new Promise<URL>((resolve) => server.listen(0, "127.0.0.1", () => resolve(new URL(originOf(server)))));
  return {
    origin,
    actorUri: (n) => new URL(`u/${n}`, origin),
    received,
    waitFor(type, count, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      return new Promise((resolve, reject) => {
        const timer = setInterval(() => {
          if ((received.get(type) ?? 0) >= count) {
            clearInterval(timer);
            resolve();
          } else if (Date.now() > deadline) {
            clearInterval(timer);
            reject(new Error(`${origin.host}: ${received.get(type) ?? 0}/${count} ${type}`));
          }
        }, 10);
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function originOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/** A POST of `activity` to `inbox`, signed (draft-cavage, as most servers send) by `actor`'s key. */
export async function signedPost(inbox: URL, actor: URL, activity: unknown): Promise<SignedPost> {
  const body = JSON.stringify(activity);
  const request = new Request(inbox, {
    method: "POST",
    body,
    headers: { "content-type": "application/activity+json", accept: "application/activity+json" },
  });
  const signed = await signRequest(request, (await keyPair()).privateKey, new URL(`${actor.href}#main-key`));
  return { url: inbox, body, headers: signed.headers };
}

/** Sends pre-signed requests, `concurrency` at a time; returns each request's latency (ms). */
export async function sendAll(posts: SignedPost[], concurrency: number): Promise<{ latencies: number[]; failed: number }> {
  const latencies: number[] = [];
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < posts.length) {
      const p = posts[next++];
      const start = performance.now();
      const res = await fetch(p.url, { method: "POST", body: p.body, headers: p.headers });
      await res.arrayBuffer();
      latencies.push(performance.now() - start);
      if (res.status >= 300) failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, failed };
}
