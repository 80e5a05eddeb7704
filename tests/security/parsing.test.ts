/**
 * Attack corpus: parsing.  Honestly signed deliveries (Alpha's real key)
 * whose bodies are broken, nested too deep in one property or another,
 * too large, or whose JSON-LD context changes what the terms mean.  An
 * honest Like of the thread would be counted (the control at the end):
 * each of these must be answered with the status given, change nothing, and
 * leave the instance answering.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALPHA, before, freshLike, probe, startTarget, type Target, unchangedAndAlive } from "../helpers/security.ts";
import { cavageRequest } from "../helpers/signing.ts";
import { snapshot } from "../conformance/outcomes.ts";
import { AS_CONTEXT } from "../conformance/load.ts";

let t: Target;
beforeAll(async () => {
  t = await startTarget({ LOG_LEVEL: "fatal" });
}, 120_000);
afterAll(() => t?.stop());

/** A fresh Like as JSON (URIs rewritten, served by the stubs). */
function like(): Record<string, unknown> {
  const doc = t.s.rewrite(freshLike(ALPHA));
  t.s.publish(doc);
  return doc;
}

/** Alpha's valid signature over exactly `body`, to the shared inbox. */
async function signed(body: string, headers: Record<string, string> = {}): Promise<Request> {
  return await cavageRequest({
    url: new URL("/inbox", t.instance.url).href,
    body,
    privateKey: (await t.s.stubs.keyPair(t.s.uri(ALPHA))).privateKey,
    keyId: await t.s.stubs.keyIdOf(t.s.uri(ALPHA)),
    headers,
  });
}

const nest = (kind: "array" | "object", depth: number, inner: unknown = "x"): unknown => {
  let value = inner;
  for (let i = 0; i < depth; i++) value = kind === "array" ? [value] : { a: value };
  return value;
};

const PROPERTIES = [
  "@context", "id", "type", "actor", "object", "to", "cc", "bto", "bcc", "audience", "tag", "attachment",
  "content", "name", "summary", "inReplyTo", "url", "published", "target", "instrument",
];

type Case = [string, number, () => Promise<Request>];
const invalid: Case[] = ([
  ["an empty body", ""],
  ["an unclosed object", "{"],
  ["a lone closing brace", "}"],
  ["an array", "[]"],
  ["null", "null"],
  ["a number", "42"],
  ["a string", '"Like"'],
  ["single quotes", "{'type':'Like'}"],
  ["a trailing comma", '{"type":"Like",}'],
  ["NaN", '{"type":"Like","n":NaN}'],
  ["a comment", '{"type":"Like" /* hi */}'],
  ["trailing garbage", '{"type":"Like"} trailing'],
  ["a byte-order mark", '\ufeff{"type":"Like"}'],
  ["an unterminated string", '{"type":"Like'],
  ["control characters in a string", '{"type":"Li\u0001ke"}'],
  ["a thousand opening brackets", "[".repeat(1000)],
] as [string, string][]).map(([name, body]): Case => [`invalid JSON: ${name}`, 400, () => signed(body)]);

const deep: Case[] = PROPERTIES.flatMap((property) =>
  (["array", "object"] as const).map((kind): Case => [
    `${kind}s nested 17 deep in "${property}" of an otherwise honest Like`,
    400,
    async () => signed(JSON.stringify({ ...like(), [property]: nest(kind, 17) })),
  ])
);

const mixed: Case[] = [
  ["arrays and objects alternating 40 deep in object", 400,
    async () => {
      let v: unknown = "x";
      for (let i = 0; i < 40; i++) v = i % 2 ? [v] : { object: v };
      return signed(JSON.stringify({ ...like(), object: v }));
    }],
  ["10,000 nested arrays in a 20 KB body", 400,
    async () => signed(JSON.stringify(like()).replace(/}$/, `,"tag":${"[".repeat(10_000)}${"]".repeat(10_000)}}`))],
  ["brackets in strings do not count: 10,000 in the name of a Like of nothing here", 202,
    async () => signed(JSON.stringify({ ...like(), object: "https://nowhere.invalid/post/1", name: "[{".repeat(5_000) }))],
];

const size: Case[] = [
  ["a declared 10 MB body", 413, async () => signed(JSON.stringify({ ...like(), content: "x".repeat(10 * 1024 * 1024) }))],
  ["a body one byte over the 1 MiB limit", 413, async () => {
    const doc = JSON.stringify({ ...like(), content: "" });
    return signed(doc.replace('"content":""', `"content":"${"x".repeat(1024 * 1024 - doc.length + 1)}"`));
  }],
  // More than MAX_JSON_NODES (500) values: refused before any parser runs (tests/security/cpu-cost.test.ts).
  ["a Like with 30,000 recipients", 413, async () => {
    const doc = like();
    const to = Array.from({ length: 30_000 }, (_, i) => `https://nowhere.invalid/u/${i}`);
    return signed(JSON.stringify({ ...doc, object: "https://nowhere.invalid/post/1", to }));
  }],
  ["a Like of 20,000 objects at once (none of them here)", 413, async () => {
    const doc = like();
    return signed(JSON.stringify({ ...doc, object: Array.from({ length: 20_000 }, () => "https://nowhere.invalid/post/1") }));
  }],
];

const contexts: Case[] = [
  ["a context that is a number", 400, async () => signed(JSON.stringify({ ...like(), "@context": 42 }))],
  ["a context that is null", 400, async () => signed(JSON.stringify({ ...like(), "@context": null }))],
  ["a context URL that answers 404", 400, async () => signed(JSON.stringify({ ...like(), "@context": t.s.uri("https://ds9.lemmy.ml/no-such-context.json") }))],
  ["a context URL on an unreachable port", 400, async () => signed(JSON.stringify({ ...like(), "@context": "http://127.0.0.1:1/context.json" }))],
  ["a data: context URL", 400, async () => signed(JSON.stringify({ ...like(), "@context": "data:application/ld+json,{}" }))],
  ["a context redefining Like", 400, async () => signed(JSON.stringify({ ...like(), "@context": [AS_CONTEXT, { Like: "https://evil.example/ns#Like" }] }))],
  ["a context redefining object", 202, async () => signed(JSON.stringify({ ...like(), "@context": [AS_CONTEXT, { object: "https://evil.example/ns#object" }] }))],
  ["a context redefining actor", 400, async () => signed(JSON.stringify({ ...like(), "@context": [AS_CONTEXT, { actor: "https://evil.example/ns#actor" }] }))],
  ["a context with 5,000 terms", 413, async () => {
    const terms = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`t${i}`, `https://evil.example/ns#t${i}`]));
    return signed(JSON.stringify({ ...like(), "@context": [AS_CONTEXT, terms], type: "t1" }));
  }],
  ["no context at all, type Like", 400, async () => {
    const { "@context": _, ...rest } = like();
    return signed(JSON.stringify({ ...rest, object: "https://nowhere.invalid/post/1" }));
  }],
];

describe("parsing: refused or ignored, nothing changed, still answering", () => {
  it.each([...invalid, ...deep, ...mixed, ...size, ...contexts])("%s → %i", async (_name, status, make) => {
    const was = await before(t);
    const started = performance.now();
    expect(await probe(t, await make())).toBe(status);
    expect(performance.now() - started).toBeLessThan(10_000);
    await unchangedAndAlive(t, was);
  });
});

describe("duplicate ids", () => {
  it("a second Create of the thread, with another text under the same ids, changes nothing", async () => {
    const was = await snapshot(t.s);
    const create = t.s.rewrite({
      "@context": AS_CONTEXT, id: "https://ds9.lemmy.ml/post/1#create", type: "Create", actor: ALPHA,
      object: { id: "https://ds9.lemmy.ml/post/1", type: "Page", attributedTo: ALPHA, name: "Replaced", content: "<p>Replaced</p>", to: ["https://www.w3.org/ns/activitystreams#Public"] },
    });
    expect(await t.s.deliver(create, { publish: false })).toBe(202);
    expect(await snapshot(t.s)).toEqual(was);
  });

  it("control: an honest Like is counted, and the same Like again is not", async () => {
    const likes = async () => (await snapshot(t.s)).posts.map((p: any) => p.like_count).join();
    const was = await likes();
    const doc = like();
    expect(await probe(t, await signed(JSON.stringify(doc)))).toBe(202);
    const counted = await likes();
    expect(counted).not.toBe(was);
    expect(await probe(t, await signed(JSON.stringify(doc)))).toBe(202);
    expect(await likes()).toBe(counted);
  });
});
