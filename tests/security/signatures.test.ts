/**
 * Attack corpus: HTTP signatures.  Every case delivers a Like of the thread
 * that an honest delivery would count (the control at the end proves it),
 * with something wrong in how it is signed.  Each must be refused with the
 * status given, change nothing, and leave the instance answering.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALPHA, before, BETA, DS9, freshLike, probe, startTarget, type Target, unchangedAndAlive } from "../helpers/security.ts";
import { cavageRequest, rsaKeyPair, sha256Digest } from "../helpers/signing.ts";
import { snapshot } from "../conformance/outcomes.ts";

let t: Target;
beforeAll(async () => {
  t = await startTarget({ LOG_LEVEL: "fatal" });
}, 120_000);
afterAll(() => t?.stop());

/** A fresh Like (rewritten, served by the stubs), its body and where it goes. */
function like(actor = ALPHA) {
  const doc = t.s.rewrite(freshLike(actor));
  t.s.publish(doc);
  return { doc, body: JSON.stringify(doc), inbox: t.s.inboxFor(doc) };
}
const keyOf = async (actor: string) => (await t.s.stubs.keyPair(t.s.uri(actor))).privateKey;
const keyIdOf = (actor: string) => t.s.stubs.keyIdOf(t.s.uri(actor));

/** Alpha's honest signature over `like()`, then `edit` applied to the headers. */
async function honestThen(edit: (h: Headers) => void, body?: (b: string) => string): Promise<Request> {
  const { doc, body: text } = like();
  const signed = await t.s.request(doc);
  const headers = new Headers(signed.headers);
  edit(headers);
  return new Request(signed.url, { method: "POST", headers, body: body ? body(text) : text });
}

/** Replaces one parameter of the draft-cavage Signature header. */
const param = (name: string, value: string | null) => (h: Headers) => {
  const sig = h.get("signature")!;
  const re = new RegExp(`${name}="[^"]*"`);
  h.set("signature", value == null ? sig.replace(re, "").replace(/,,|^,|,$/g, "") : sig.replace(re, `${name}="${value}"`));
};

/** A custom draft-cavage signature by Alpha's key (unless `key` is given) over `like()`. */
async function custom(o: Partial<Parameters<typeof cavageRequest>[0]> = {}, bodyEdit?: (b: string) => string) {
  const { body, inbox } = like();
  const signedBody = o.body ?? body;
  const req = await cavageRequest({ url: inbox, body: signedBody, privateKey: await keyOf(ALPHA), keyId: await keyIdOf(ALPHA), ...o });
  if (!bodyEdit) return req;
  return new Request(req.url, { method: "POST", headers: req.headers, body: bodyEdit(signedBody) });
}

const HOUR = 3600_000;
const cases: [string, number, () => Promise<Request>][] = [
  ["no signature at all", 401, async () => t.s.request(like().doc, { sign: false })],
  ["an empty Signature header", 401, () => honestThen((h) => h.set("signature", ""))],
  ["a Signature header of garbage", 401, () => honestThen((h) => h.set("signature", "garbage"))],
  ["a Signature header of 8 KB of commas", 401, () => honestThen((h) => h.set("signature", ",".repeat(8192)))],
  ["no keyId", 401, () => honestThen(param("keyId", null))],
  ["no signature parameter", 401, () => honestThen(param("signature", null))],
  ["a signature that is not base64", 401, () => honestThen(param("signature", "!!not base64!!"))],
  ["a signature of random bytes", 401, () => honestThen(param("signature", Buffer.from(crypto.getRandomValues(new Uint8Array(256))).toString("base64")))],
  ["an empty signature", 401, () => honestThen(param("signature", ""))],
  ["the signature of another request", 401, async () => {
    const other = await t.s.request(like().doc);
    return honestThen(param("signature", /signature="([^"]+)"/.exec(other.headers.get("signature")!)![1]));
  }],
  ["a keyId that is not a URL", 401, () => honestThen(param("keyId", "not a url"))],
  ["a data: keyId", 401, () => honestThen(param("keyId", "data:application/json,{}"))],
  ["a file: keyId", 401, () => honestThen(param("keyId", "file:///etc/passwd"))],
  ["a javascript: keyId", 401, () => honestThen(param("keyId", "javascript:alert(1)"))],
  ["a keyId of 10,000 characters", 401, async () => honestThen(param("keyId", `${await keyIdOf(ALPHA)}${"x".repeat(10_000)}`))],
  ["a keyId that answers 404", 401, async () => honestThen(param("keyId", t.s.uri(`${DS9}/u/nobody-here#main-key`)))],
  ["a keyId on this very instance (a local actor's key)", 401, async () => honestThen(param("keyId", `${t.harness.member.uri}#main-key`))],
  ["Beta's keyId over Alpha's signature", 401, async () => honestThen(param("keyId", await keyIdOf(BETA)))],
  ["a body changed after signing", 401, () => honestThen(() => {}, (b) => b.replace("Like", "Dislike"))],
  ["a body with one byte added after signing", 401, () => honestThen(() => {}, (b) => `${b} `)],
  ["a Digest of another body", 401, () => honestThen((h) => h.set("digest", sha256Digest("{}")))],
  ["no Digest header", 401, () => honestThen((h) => h.delete("digest"))],
  ["a Digest in an unknown algorithm", 401, () => honestThen((h) => h.set("digest", "MD5=rL0Y20zC+Fzt72VPzMSk2A=="))],
  ["a signed Digest of another body (signature valid, digest wrong)", 401, () => custom({ digest: sha256Digest("{}") })],
  ["a signature by a stranger's key under Alpha's keyId", 401, async () => custom({ privateKey: (await rsaKeyPair()).privateKey })],
  ["a Date two hours old", 401, () => custom({ date: new Date(Date.now() - 2 * HOUR) })],
  ["a Date one day old", 401, () => custom({ date: new Date(Date.now() - 24 * HOUR) })],
  ["a Date two hours in the future", 401, () => custom({ date: new Date(Date.now() + 2 * HOUR) })],
  ["a Date header missing but covered", 401, async () => {
    const req = await custom();
    const headers = new Headers(req.headers);
    headers.delete("date");
    return new Request(req.url, { method: "POST", headers, body: await req.text() });
  }],
  ["a Date that is not a date", 401, () => custom({ date: "yesterday, probably" })],
  ["a Date in 1970", 401, () => custom({ date: new Date(0) })],
  ["a signature covering the Date only, body changed", 401, () => custom({ covered: ["date"] }, (b) => b.replace("Like", "Dislike"))],
  ["a signature covering the Date only, Digest of another body", 401, () => custom({ covered: ["date"], digest: sha256Digest("{}") })],
  ["a signature that covers no headers", 401, () => custom({ covered: [] })],
  ["a signature over the wrong request target", 401, async () => {
    const { body, inbox } = like();
    const signed = await cavageRequest({ url: new URL("/@nobody/inbox", inbox).href, body, privateKey: await keyOf(ALPHA), keyId: await keyIdOf(ALPHA) });
    return new Request(inbox, { method: "POST", headers: signed.headers, body });
  }],
  ["a Like by Alpha signed by Beta (key owner is not the actor)", 401, async () => t.s.request(like().doc, { signer: t.s.uri(BETA) })],
  ["a Like by Beta signed by Alpha", 401, async () => t.s.request(like(BETA).doc, { signer: t.s.uri(ALPHA) })],
  ["an RFC 9421 Signature-Input of garbage", 401, () => honestThen((h) => {
    h.delete("signature");
    h.set("signature-input", "sig1=garbage");
    h.set("signature", "sig1=:AAAA:");
  })],
  ["both signature styles, both broken", 401, () => honestThen((h) => {
    h.set("signature-input", `sig1=("@method");keyid="${h.get("signature")}"`);
    h.set("signature", "garbage");
  })],
];

describe("signatures: refused, nothing changed, still answering", () => {
  it.each(cases)("%s → %i", async (_name, status, make) => {
    const was = await before(t);
    expect(await probe(t, await make())).toBe(status);
    await unchangedAndAlive(t, was);
  });

  /** Takes Alpha's vote back, so that the next Like would change the count again. */
  async function undo(doc: { id: string }) {
    const undo = { "@context": doc["@context" as keyof typeof doc], id: `${doc.id}/undo`, type: "Undo", actor: t.s.uri(ALPHA), object: doc };
    expect(await probe(t, await t.s.request(undo))).toBe(202);
  }
  const likesOfThread = async () => (await snapshot(t.s)).posts.map((p: any) => p.like_count);

  it("a replayed delivery counts once, and its replay after an Undo does not count again", async () => {
    const { doc } = like();
    const request = await t.s.request(doc);
    const was = await likesOfThread();
    expect(await probe(t, request.clone())).toBe(202);
    const after = await snapshot(t.s);
    expect(await likesOfThread()).not.toEqual(was);
    expect(await probe(t, request.clone())).toBe(202);
    expect(await snapshot(t.s)).toEqual(after);
    await undo(doc);
    expect(await likesOfThread()).toEqual(was);
    // The same signed request once more: the activity id was seen, nothing is counted.
    expect([202, 401]).toContain(await probe(t, request));
    expect(await likesOfThread()).toEqual(was);
  });

  it("control: a Like honestly signed is counted, by Fedify's signer and by the hand-rolled one", async () => {
    for (const make of [async () => t.s.request(like().doc), () => custom(), () => custom({ algorithm: "hmac-sha256" })]) {
      const was = await likesOfThread();
      const request = await make();
      const doc = JSON.parse(await request.clone().text());
      // The algorithm parameter is ignored: the key's own type decides (no algorithm confusion).
      expect(await probe(t, request)).toBe(202);
      expect(await likesOfThread()).not.toEqual(was);
      await undo(doc);
      expect(await likesOfThread()).toEqual(was);
    }
  });
});
