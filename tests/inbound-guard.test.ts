/**
 * The inbound guard: the byte scanner, the middleware in process, and the
 * guard in front of the real Fedify federation over real HTTP.
 */
import { createHash } from "node:crypto";
import { request as httpRequest, type Server } from "node:http";
import {
  type Federation,
  generateCryptoKeyPair,
  type HttpMessageSignaturesSpec,
  InProcessMessageQueue,
  MemoryKvStore,
  signRequest,
} from "@fedify/fedify";
import { Application, CryptographicKey, Like } from "@fedify/vocab";
import { serve } from "@hono/node-server";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builder } from "../federation/builder.ts";
import type { ContextData } from "../federation/context.ts";
import { federationMiddleware } from "../src/federation-middleware.ts";
import { inboundGuard, isDefaultInboxPath, jsonDepthExceeds } from "../src/inbound-guard.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/database.ts";

const encoder = new TextEncoder();
const bytesOf = (s: string) => encoder.encode(s);
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** `{"type":"Announce","object":…}` nested `depth` times around a Note. */
function nestedAnnounce(depth: number): string {
  return '{"@context":"https://www.w3.org/ns/activitystreams","type":"Announce","object":' +
    '{"type":"Announce","object":'.repeat(depth - 1) +
    '{"type":"Note","content":"hi"}' + "}".repeat(depth);
}

describe("jsonDepthExceeds", () => {
  const exceeds = (json: string, limit: number) => jsonDepthExceeds(bytesOf(json), limit);

  it("counts objects and arrays alike", () => {
    expect(exceeds("{}", 0)).toBe(true);
    expect(exceeds("{}", 1)).toBe(false);
    expect(exceeds("[[{}]]", 2)).toBe(true);
    expect(exceeds("[[{}]]", 3)).toBe(false);
    expect(exceeds('"plain"', 0)).toBe(false);
    expect(exceeds("", 0)).toBe(false);
  });

  it("accepts exactly the limit and refuses one over", () => {
    const at = "[".repeat(32) + "]".repeat(32);
    const over = "[".repeat(33) + "]".repeat(33);
    expect(exceeds(at, 32)).toBe(false);
    expect(exceeds(over, 32)).toBe(true);
  });

  it("measures the deepest point, not the total count", () => {
    const wide = "[" + "{},".repeat(10_000) + "{}]";
    expect(exceeds(wide, 2)).toBe(false);
    expect(exceeds('{"a":{"b":{}},"c":{"d":{}}}', 3)).toBe(false);
    expect(exceeds('{"a":{"b":{}},"c":{"d":{"e":[]}}}', 3)).toBe(true);
  });

  it("ignores brackets inside strings", () => {
    expect(exceeds('{"a":"[[[[{{{{"}', 1)).toBe(false);
    expect(exceeds('{"[[[[":"}}}}]]]]"}', 1)).toBe(false);
    // Closing brackets in a string must not lower the depth either.
    expect(exceeds('[["]]]]]]"]]', 2)).toBe(false);
    expect(exceeds('[["]]]]]]",[]]]', 2)).toBe(true);
  });

  it("does not end a string at an escaped quote", () => {
    // The string is `\"[[[[` and ends at the last quote.
    expect(exceeds('{"a":"\\"[[[["}', 1)).toBe(false);
    // An escaped backslash before a quote: the quote does end the string.
    expect(exceeds('{"a":"\\\\","b":[[]]}', 2)).toBe(true);
    expect(exceeds('{"a":"\\\\","b":[[]]}', 3)).toBe(false);
    // \u escapes and multi-byte UTF-8 do not confuse it.
    expect(exceeds('{"a":"\\u005b\\u007b ünïcødé 🌱 [{"}', 1)).toBe(false);
  });

  it("finds the nesting of a deep Announce chain", () => {
    const json = nestedAnnounce(500);
    expect(JSON.parse(json)).toBeTypeOf("object");
    expect(jsonDepthExceeds(bytesOf(json), 500)).toBe(true); // 501 levels with the Note
    expect(jsonDepthExceeds(bytesOf(json), 501)).toBe(false);
  });
});

describe("isDefaultInboxPath", () => {
  it("matches the shared and personal inboxes only", () => {
    for (const p of ["/inbox", "/inbox/", "/@alice/inbox", "/@group.name_1/inbox/"]) {
      expect(isDefaultInboxPath(p), p).toBe(true);
    }
    for (const p of ["/", "/@alice", "/@alice/outbox", "/inboxes", "/@a/b/inbox", "/x/inbox"]) {
      expect(isDefaultInboxPath(p), p).toBe(false);
    }
  });
});

describe("inboundGuard in process", () => {
  const records: LogRecord[] = [];
  const app = new Hono();
  app.use(inboundGuard({ maxBodyBytes: 1024, maxJsonDepth: 4 }));
  app.all("*", async (c) => {
    const body = new Uint8Array(await c.req.raw.arrayBuffer());
    return c.json({ reached: true, length: body.byteLength, sha256: sha256(body) });
  });

  const signed = { signature: 'keyId="https://example.com/k",signature="AAAA"' };
  const post = (path: string, body: BodyInit | null, headers: Record<string, string> = {}) =>
    app.request(path, { method: "POST", body, headers });
  const activity = '{"type":"Like","actor":"https://example.com/a","object":"https://example.com/o"}';

  /** A body stream of `count` pieces of `chunk` bytes; notes pulls and cancellation. */
  function stream(chunk: number, count: number) {
    const state = { pulled: 0, cancelled: false };
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (state.pulled >= count) return controller.close();
        state.pulled++;
        controller.enqueue(new Uint8Array(chunk).fill(0x20));
      },
      cancel() {
        state.cancelled = true;
      },
    });
    return { body, state };
  }
  const streamedPost = (path: string, body: ReadableStream, headers: Record<string, string> = {}) =>
    app.request(new Request(`http://localhost${path}`, {
      method: "POST",
      body,
      headers,
      duplex: "half",
    } as RequestInit));

  beforeAll(async () => {
    await configure({
      reset: true,
      sinks: { buffer: (r) => void records.push(r) },
      loggers: [
        { category: ["kindred", "http", "guard"], lowestLevel: "debug", sinks: ["buffer"] },
        { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
      ],
    });
  });
  afterAll(async () => {
    await reset();
  });

  it("lets other methods through untouched", async () => {
    expect((await app.request("/inbox")).status).toBe(200);
    const put = await app.request("/inbox", { method: "PUT", body: "[[[[[[[[[[]]]]]]]]]]" });
    expect(await put.json()).toMatchObject({ reached: true, length: 20 });
  });

  it("refuses an unsigned inbox POST with 401 and logs why", async () => {
    records.length = 0;
    const res = await post("/@alice/inbox", activity, { "content-type": "application/activity+json" });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: expect.stringMatching(/signature/i) });
    expect(records).toHaveLength(1);
    expect(records[0].category).toEqual(["kindred", "http", "guard"]);
    expect(records[0].properties).toMatchObject({ status: 401, path: "/@alice/inbox" });
  });

  it("accepts a Signature-Input header (RFC 9421) as signed", async () => {
    const res = await post("/inbox", activity, {
      "content-type": "application/activity+json",
      "signature-input": 'sig1=("@method");keyid="https://example.com/k"',
    });
    expect(await res.json()).toMatchObject({ reached: true, sha256: sha256(bytesOf(activity)) });
  });

  it("accepts JSON media types with parameters and refuses others with 415", async () => {
    for (
      const type of [
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        "application/activity+json",
        "Application/Activity+JSON; charset=utf-8",
        "application/json;charset=utf-8",
      ]
    ) {
      const res = await post("/inbox", activity, { ...signed, "content-type": type });
      expect(res.status, type).toBe(200);
    }
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/jsonp"]) {
      const res = await post("/inbox", activity, { ...signed, "content-type": type });
      expect(res.status, type).toBe(415);
      expect(await res.json()).toHaveProperty("error");
    }
    const untyped = await post("/inbox", new Blob([activity]), signed);
    expect(untyped.status).toBe(415);
  });

  it("refuses deep, invalid and non-object JSON with 400", async () => {
    const headers = { ...signed, "content-type": "application/activity+json" };
    expect((await post("/inbox", '{"a":{"b":{"c":{}}}}', headers)).status).toBe(200);
    expect((await post("/inbox", '{"a":{"b":{"c":{"d":[]}}}}', headers)).status).toBe(400);
    expect((await post("/inbox", '{"a":', headers)).status).toBe(400);
    expect((await post("/inbox", "", headers)).status).toBe(400);
    expect((await post("/inbox", "[]", headers)).status).toBe(400);
    expect((await post("/inbox", new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), headers))
      .status).toBe(400); // invalid UTF-8
  });

  it("caps bodies at exactly maxBodyBytes, with or without a length", async () => {
    const headers = { ...signed, "content-type": "application/json" };
    const at = `{"a":"${"x".repeat(1024 - 8)}"}`;
    expect(at.length).toBe(1024);
    expect((await post("/inbox", at, headers)).status).toBe(200);
    expect((await post("/inbox", at + " ", headers)).status).toBe(413);
    // Streamed: 4 × 256 bytes is at the limit, 5 × 256 over it.
    expect((await streamedPost("/elsewhere", stream(256, 4).body)).status).toBe(200);
    expect((await streamedPost("/elsewhere", stream(256, 5).body)).status).toBe(413);
  });

  it("stops reading a long stream at the limit and cancels it", async () => {
    for (const path of ["/inbox", "/some/form"]) {
      // 10 MB in 100-byte pieces; bounded so that a broken guard fails
      // rather than buffering forever.
      const { body, state } = stream(100, 100_000);
      const res = await streamedPost(path, body, { ...signed, "content-type": "application/json" });
      expect(res.status, path).toBe(413);
      expect(await res.json()).toEqual({ error: expect.stringMatching(/1024 bytes/) });
      expect(state.pulled).toBeLessThanOrEqual(12);
      expect(state.cancelled).toBe(true);
    }
  });

  it("applies only the size cap to other POSTs", async () => {
    const body = "[".repeat(50) + "not json at all";
    const res = await post("/@alice/outbox", body, { "content-type": "text/plain" });
    expect(await res.json()).toMatchObject({ reached: true, sha256: sha256(bytesOf(body)) });
    expect((await post("/login", "x".repeat(1025))).status).toBe(413);
  });

  it("honours a custom isInboxPath", async () => {
    const custom = new Hono();
    custom.use(inboundGuard({ maxBodyBytes: 1024, maxJsonDepth: 4, isInboxPath: (p) => p === "/in" }));
    custom.post("*", (c) => c.text("ok"));
    expect((await custom.request("/in", { method: "POST", body: "{}" })).status).toBe(401);
    expect((await custom.request("/inbox", { method: "POST", body: "{}" })).status).toBe(200);
  });
});

// ---------------------------------------------------------------------------

const MAX_BODY = 1024 * 1024;
const MAX_DEPTH = 32;
const TEN_MB = 10 * 1024 * 1024;

interface RawResponse {
  status: number;
  text: string;
  /** Body bytes the client had handed to the socket when the answer came. */
  bytesSent: number;
}

interface RawPostOptions {
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Sent as Content-Length; without it the body goes chunked. */
  contentLength?: number;
  /** Send only this many body bytes and keep the request open. */
  sendOnly?: number;
}

describe("inboundGuard in front of Fedify over HTTP", () => {
  let database: TestDatabase;
  let server: Server;
  let port: number;
  let origin: string;
  let federation: Federation<ContextData>;
  let keyPair: CryptoKeyPair;
  /** What the handler after the guard received, per request. */
  const seen: { path: string; length: number; sha256: string; headers: Record<string, string> }[] =
    [];

  beforeAll(async () => {
    database = await createTestDatabase();
    keyPair = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
    const queue = new InProcessMessageQueue();
    const contextData: ContextData = { db: database.db, instanceName: "Kindred test", queue };
    const app = new Hono();
    app.use(inboundGuard({ maxBodyBytes: MAX_BODY, maxJsonDepth: MAX_DEPTH }));
    // A spy between the guard and Fedify: it reads a clone, so Fedify still
    // gets the untouched request.
    app.use(async (c, next) => {
      if (c.req.method === "POST") {
        const body = new Uint8Array(await c.req.raw.clone().arrayBuffer());
        seen.push({
          path: c.req.path,
          length: body.byteLength,
          sha256: sha256(body),
          headers: Object.fromEntries(c.req.raw.headers),
        });
      }
      await next();
    });
    // A remote actor of our own, so Fedify can fetch a real key without
    // leaving 127.0.0.1.
    app.get("/test-actor", async (c) => {
      const actor = new Application({
        id: new URL(`${origin}/test-actor`),
        preferredUsername: "tester",
        inbox: new URL(`${origin}/test-actor/inbox`),
        publicKey: new CryptographicKey({
          id: new URL(`${origin}/test-actor#main-key`),
          owner: new URL(`${origin}/test-actor`),
          publicKey: keyPair.publicKey,
        }),
      });
      return c.body(JSON.stringify(await actor.toJsonLd()), 200, {
        "content-type": "application/activity+json",
      });
    });
    app.use((c, next) => federationMiddleware(federation, contextData)(c, next));

    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
        port = info.port;
        resolve();
      }) as Server;
    });
    origin = `http://127.0.0.1:${port}`;
    federation = await builder.build({
      kv: new MemoryKvStore(),
      queue,
      origin,
      allowPrivateAddress: true,
    });
  }, 60_000);

  afterAll(async () => {
    server?.closeAllConnections();
    // A socket a refused sender left half-open must not hold the run: give
    // the close five seconds, then move on.
    const closed = new Promise((resolve) => server ? server.close(resolve) : resolve(undefined));
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    server?.closeAllConnections();
    await database?.dispose();
  });

  /**
   * A POST over a fresh connection.  The body goes in 64 KiB writes that
   * respect back-pressure and stop as soon as the response arrives, the way
   * a sender that is being refused would see it.
   */
  function rawPost(path: string, options: RawPostOptions = {}): Promise<RawResponse> {
    const { body = new Uint8Array(0), sendOnly } = options;
    const headers: Record<string, string | number> = { ...options.headers };
    if (options.contentLength != null) headers["content-length"] = options.contentLength;
    return new Promise((resolve, reject) => {
      let responded = false;
      let sent = 0;
      const timer = setTimeout(() => {
        req.destroy();
        reject(new Error(`No response to POST ${path} within 10 s`));
      }, 10_000);
      const req = httpRequest({ host: "127.0.0.1", port, method: "POST", path, headers, agent: false });
      req.on("response", (res) => {
        responded = true;
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), bytesSent: sent });
          req.destroy();
        });
      });
      // Once answered, the server may drop the rest of the upload; that is fine.
      req.on("error", (error) => {
        if (!responded) {
          clearTimeout(timer);
          reject(error);
        }
      });
      req.flushHeaders();
      void (async () => {
        const total = Math.min(sendOnly ?? body.byteLength, body.byteLength);
        for (let offset = 0; offset < total && !responded && !req.destroyed; offset += 65_536) {
          const chunk = body.subarray(offset, Math.min(offset + 65_536, total));
          sent += chunk.byteLength;
          if (!req.write(chunk)) {
            await new Promise<void>((go) => {
              const done = () => {
                req.off("drain", done);
                req.off("close", done);
                go();
              };
              req.on("drain", done);
              req.on("close", done);
            });
          }
        }
        if (sendOnly == null && !responded && !req.destroyed) req.end();
      })();
    });
  }

  const fakeSignature = () => ({
    date: new Date().toUTCString(),
    signature: `keyId="${origin}/nobody#main-key",algorithm="rsa-sha256",` +
      `headers="(request-target) host date digest",signature="AAAA"`,
  });
  const json = { "content-type": "application/activity+json" };
  const tenMegabytes = () => bytesOf(`{"content":"${"x".repeat(TEN_MB - 14)}"}`);
  const deepAnnounce = () => bytesOf(nestedAnnounce(500));

  const badCases: { name: string; status: number; send: () => Promise<RawResponse> }[] = [
    {
      name: "a 10 MB body with Content-Length",
      status: 413,
      send: () => {
        const body = tenMegabytes();
        return rawPost("/inbox", {
          headers: { ...json, ...fakeSignature() },
          body,
          contentLength: body.byteLength,
        });
      },
    },
    {
      name: "a 10 MB chunked body",
      status: 413,
      send: () => rawPost("/inbox", { headers: { ...json, ...fakeSignature() }, body: tenMegabytes() }),
    },
    {
      name: "a 10 MB chunked body to a non-inbox path",
      status: 413,
      send: () => rawPost("/@nobody/outbox", { headers: json, body: tenMegabytes() }),
    },
    {
      name: "a 500-deep nested Announce with a fake signature",
      status: 400,
      send: () => rawPost("/inbox", { headers: { ...json, ...fakeSignature() }, body: deepAnnounce() }),
    },
    {
      name: "an unsigned inbox POST",
      status: 401,
      send: () => {
        const body = bytesOf('{"type":"Like"}');
        return rawPost("/@nobody/inbox", { headers: json, body, contentLength: body.byteLength });
      },
    },
    {
      name: "invalid JSON",
      status: 400,
      send: () => rawPost("/inbox", { headers: { ...json, ...fakeSignature() }, body: bytesOf('{"type":') }),
    },
    {
      name: "a wrong content type",
      status: 415,
      send: () =>
        rawPost("/inbox", {
          headers: { "content-type": "text/plain", ...fakeSignature() },
          body: bytesOf('{"type":"Like"}'),
        }),
    },
  ];

  it.each(badCases)("refuses $name with $status", async ({ send, status }) => {
    const seenBefore = seen.length;
    const res = await send();
    expect(res.status).toBe(status);
    expect(JSON.parse(res.text)).toEqual({ error: expect.any(String) });
    expect(seen.length).toBe(seenBefore); // nothing got past the guard
  }, 20_000);

  it("answers before the body is sent when the declared length is too big", async () => {
    const res = await rawPost("/inbox", {
      headers: { ...json, ...fakeSignature() },
      contentLength: TEN_MB,
      sendOnly: 0,
    });
    expect(res.status).toBe(413);
    expect(res.bytesSent).toBe(0);
  }, 20_000);

  it("answers an unsigned POST before the body is sent", async () => {
    const res = await rawPost("/inbox", { headers: json, contentLength: 1000, sendOnly: 0 });
    expect(res.status).toBe(401);
  }, 20_000);

  it("aborts a chunked body at the limit without waiting for its end", async () => {
    // The request is never finished: only an incremental check can answer.
    const res = await rawPost("/inbox", {
      headers: { ...json, ...fakeSignature() },
      body: tenMegabytes(),
      sendOnly: 2 * MAX_BODY,
    });
    expect(res.status).toBe(413);
  }, 20_000);

  it("keeps serving NodeInfo while bad requests are in flight", async () => {
    let finished = false;
    const bad = Promise.all(
      [1, 2, 3].flatMap(() => badCases.map(async (c) => ({ expected: c.status, got: (await c.send()).status }))),
    ).finally(() => {
      finished = true;
    });
    const nodeInfo: number[] = [];
    const poll = (async () => {
      do {
        const res = await fetch(`${origin}/.well-known/nodeinfo`);
        await res.arrayBuffer();
        nodeInfo.push(res.status);
      } while (!finished);
    })();
    const results = await bad;
    await poll;
    for (const r of results) expect(r.got).toBe(r.expected);
    expect(nodeInfo.length).toBeGreaterThan(0);
    expect(nodeInfo.every((s) => s === 200)).toBe(true);
  }, 60_000);

  it("passes a fake-signed activity to Fedify byte for byte (Fedify answers 401)", async () => {
    const body = bytesOf(JSON.stringify({
      "@context": "https://www.w3.org/ns/activitystreams",
      id: `${origin}/nobody/likes/1`,
      type: "Like",
      actor: `${origin}/nobody`,
      object: `${origin}/@nobody/posts/1`,
    }));
    const digest = `SHA-256=${createHash("sha256").update(body).digest("base64")}`;
    const headers = { ...json, ...fakeSignature(), digest };
    const res = await rawPost("/inbox", { headers, body });
    // Fedify's own refusal (it could not fetch the key), not the guard's.
    expect(res.status).toBe(401);
    expect(res.text).not.toMatch(/"error"/);
    const last = seen.at(-1);
    expect(last).toMatchObject({ path: "/inbox", length: body.byteLength, sha256: sha256(body) });
    expect(last?.headers).toMatchObject({ digest, signature: headers.signature, date: headers.date });
  });

  for (const spec of ["draft-cavage-http-signatures-12", "rfc9421"] as HttpMessageSignaturesSpec[]) {
    for (const framing of ["Content-Length", "chunked"] as const) {
      it(`delivers a really signed activity that Fedify accepts (${spec}, ${framing})`, async () => {
        const like = new Like({
          id: new URL(`${origin}/test-actor/likes/${spec}-${framing}`),
          actor: new URL(`${origin}/test-actor`),
          object: new URL(`${origin}/@nobody/posts/1`),
        });
        const body = bytesOf(JSON.stringify(await like.toJsonLd()));
        const signed = await signRequest(
          new Request(`${origin}/inbox`, { method: "POST", headers: json, body }),
          keyPair.privateKey,
          new URL(`${origin}/test-actor#main-key`),
          { spec },
        );
        const headers = Object.fromEntries(signed.headers);
        const res = await rawPost("/inbox", {
          headers,
          body,
          contentLength: framing === "Content-Length" ? body.byteLength : undefined,
        });
        // 202 means Fedify verified the signature and its digest over the
        // very bytes the guard read.
        expect(res.status, res.text).toBe(202);
        const last = seen.at(-1);
        expect(last).toMatchObject({ length: body.byteLength, sha256: sha256(body) });
        for (const name of ["signature", "signature-input", "digest", "content-digest", "date"]) {
          expect(last?.headers[name], name).toBe(headers[name]);
        }
      }, 20_000);
    }
  }
});
