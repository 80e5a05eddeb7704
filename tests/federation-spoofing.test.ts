/**
 * Spoofing: activities that claim what their signer may not claim.  Each is
 * delivered by the conformance harness's stub servers (real HTTP, real
 * signatures) to a live instance, must be refused, and must change nothing;
 * the instance keeps answering and keeps accepting honest deliveries.
 *
 * The cast, from the Lemmy fixtures: `lemmy_alpha` of ds9.lemmy.ml wrote a
 * thread in a group; `lemmy_beta` of enterprise.lemmy.ml is someone else.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiOk } from "./helpers/federation.ts";
import type { TestInstance } from "./helpers/instance.ts";
import { type ConformanceHarness, type Scenario, startHarnessedInstance } from "./conformance/harness.ts";
import { LEMMY_CONTEXT, PUBLIC } from "./conformance/load.ts";
import { snapshot } from "./conformance/outcomes.ts";

const E = "https://enterprise.lemmy.ml";
const DS9 = "https://ds9.lemmy.ml";
const MAIN = `${E}/c/main`;
const ALPHA = `${DS9}/u/lemmy_alpha`;
const BETA = `${E}/u/lemmy_beta`;
const THREAD = `${DS9}/post/1`;
const CREATE_PAGE = "activities/create_or_update/create_page.json";

let instance: TestInstance;
let harness: ConformanceHarness;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ instance, harness, stop } = await startHarnessedInstance());
}, 120_000);
afterAll(() => stop?.());

/** Our group `main` with lemmy_alpha's thread (post/1) in it. */
async function groupWithThread(): Promise<Scenario> {
  const scenario = await harness.scenario({ family: "lemmy-1.0", local: { [MAIN]: "group" } });
  expect(await scenario.replay(CREATE_PAGE)).toBe(202);
  return scenario;
}

/** The database, and the thread as the API shows it to a member. */
async function state(scenario: Scenario, thread = THREAD) {
  const db = instance.kindred.database.db;
  const post = await db.selectFrom("posts").select("id").where("uri", "=", scenario.uri(thread)).executeTakeFirst();
  const api = post ? await apiOk(harness.member, "GET", `/posts/${post.id}`) : null;
  return { db: await snapshot(scenario), api };
}

/** Refusals are final (no handler failed and left a retry behind), and the instance still answers. */
async function alive() {
  expect(await harness.pendingRetries()).toBe(0);
  expect((await fetch(new URL("/healthz", instance.url))).status).toBe(200);
}

/** `alive()`, and the instance still takes an honest vote on the thread (then takes it back). */
async function stillServing(scenario: Scenario) {
  await alive();
  const like = { "@context": LEMMY_CONTEXT, id: `${ALPHA}#honest-like`, type: "Like", actor: ALPHA, object: THREAD };
  expect(await scenario.send(like)).toBe(202);
  const db = instance.kindred.database.db;
  const row = await db.selectFrom("posts").select("like_count").where("uri", "=", scenario.uri(THREAD)).executeTakeFirstOrThrow();
  expect(row.like_count).toBe(1);
  expect(await scenario.send({ "@context": LEMMY_CONTEXT, id: `${ALPHA}#honest-undo`, type: "Undo", actor: ALPHA, object: like })).toBe(202);
}

const page = (id: string, attributedTo: string, name: string) => ({
  type: "Page", id, attributedTo, name, content: `<p>${name}</p>`, to: [MAIN, PUBLIC], audience: MAIN,
});

describe("spoofed activities are refused and change nothing", () => {
  it("1. an Update of a post by a signed actor who is not its author", async () => {
    const s = await groupWithThread();
    const before = await state(s);
    for (const [id, attributedTo] of [
      [`${E}/activities/update/1`, ALPHA], // the forger's own id: Fedify fetches the Page from its origin
      [`${E}/activities/update/2`, BETA], // claims the post as its own
      [`${DS9}/activities/update/3`, ALPHA], // an id on the author's origin, so the embedded copy is not re-fetched
    ]) {
      const update = { "@context": LEMMY_CONTEXT, id, type: "Update", actor: BETA, to: [PUBLIC], cc: [MAIN], object: page(THREAD, attributedTo, "Hijacked") };
      expect(await s.send(update, { publish: false }), id).toBe(202);
    }
    expect(await state(s)).toEqual(before);
    await stillServing(s);
  });

  it("2. a Delete of a post by a non-author", async () => {
    const s = await groupWithThread();
    const before = await state(s);
    const deletes = [
      { id: `${E}/activities/delete/1`, object: THREAD },
      { id: `${E}/activities/delete/2`, object: { type: "Tombstone", id: THREAD } },
      { id: `${DS9}/activities/delete/3`, object: THREAD },
    ];
    for (const d of deletes) {
      const del = { "@context": LEMMY_CONTEXT, type: "Delete", actor: BETA, to: [PUBLIC], cc: [MAIN], ...d };
      expect(await s.send(del, { publish: false }), d.id).toBe(202);
    }
    expect(await state(s)).toEqual(before);
    await stillServing(s);
  });

  it("3. a Create whose object is on another origin than its actor", async () => {
    const s = await groupWithThread();
    // What the object's origin really serves: alpha's own post.
    s.publish(s.rewrite({ "@context": LEMMY_CONTEXT, ...page(`${DS9}/post/2`, ALPHA, "Alpha's real words") }));
    const before = await state(s);
    const creates = [
      // Attributed to the victim; the origin serves something else.
      { id: `${E}/activities/create/1`, object: page(`${DS9}/post/2`, ALPHA, "Put in alpha's mouth") },
      // Attributed to the sender, on an origin the sender does not speak for (it has no such object).
      { id: `${E}/activities/create/2`, object: page(`${DS9}/post/3`, BETA, "Beta's words on ds9") },
      // The activity's id on the object's origin too, so Fedify trusts the embedded copy: Kindred must not.
      { id: `${DS9}/activities/create/3`, object: page(`${DS9}/post/4`, BETA, "Beta's words on ds9, again") },
      { id: `${DS9}/activities/create/4`, object: page(`${DS9}/post/5`, ALPHA, "Put in alpha's mouth, again") },
    ];
    for (const c of creates) {
      const create = { "@context": LEMMY_CONTEXT, type: "Create", actor: BETA, to: [PUBLIC], cc: [MAIN], ...c };
      expect(await s.send(create, { publish: false }), c.id).toBe(202);
    }
    expect(await state(s)).toEqual(before);
    for (const n of [2, 3, 4, 5]) {
      const stored = await instance.kindred.database.db.selectFrom("posts").select("id")
        .where("uri", "=", s.uri(`${DS9}/post/${n}`)).executeTakeFirst();
      expect(stored, `post/${n}`).toBeUndefined();
    }
    await stillServing(s);
  });

  it("4. an Announce whose embedded Create differs from what the origin serves: the origin's version is stored", async () => {
    const s = await harness.scenario({ family: "lemmy-1.0" });
    expect(await s.follow(MAIN)).toBe(202);
    const db = instance.kindred.database.db;
    const cases = [
      // The Create is fetched from the author's server, and with it the real Page.
      { n: 50, createId: `${DS9}/activities/create/50`, stored: true },
      // The group mints the Create on its own origin: refused outright (see 4b), neither version is stored.
      { n: 51, createId: `${E}/activities/create/51`, stored: false },
      // Announce(object), as Mastodon-style groups send: the Page is fetched from its origin.
      { n: 52, createId: null, stored: true },
      // Announce(object) with the Announce's own id minted on alpha's origin, so the Page is not fetched: refused.
      { n: 53, createId: null, announceId: `${DS9}/activities/announce/53`, stored: false },
    ];
    for (const { n, createId, announceId, stored } of cases) {
      const real = page(`${DS9}/post/${n}`, ALPHA, `What alpha wrote (${n})`);
      s.publish(s.rewrite({ "@context": LEMMY_CONTEXT, id: `${DS9}/activities/create/${n}`, type: "Create", actor: ALPHA, object: real, to: [PUBLIC], cc: [MAIN] }));
      const forged = { ...real, name: `Words alpha never wrote (${n})`, content: "<p>forged</p>" };
      const announce = {
        "@context": LEMMY_CONTEXT, id: announceId ?? `${E}/activities/announce/${n}`, type: "Announce", actor: MAIN,
        to: [PUBLIC], cc: [`${MAIN}/followers`],
        object: createId ? { id: createId, type: "Create", actor: ALPHA, to: [PUBLIC], cc: [MAIN], object: forged } : forged,
      };
      expect(await s.send(announce, { publish: false })).toBe(202);
      const post = await db.selectFrom("posts").select(["title", "content_html"])
        .where("uri", "=", s.uri(real.id)).executeTakeFirst();
      expect(post, `post/${n}`).toEqual(
        stored ? { title: `What alpha wrote (${n})`, content_html: `<p>What alpha wrote (${n})</p>` } : undefined,
      );
    }
    await alive();
  });

  it("4b. an Announce carrying a Delete, vote or Update that the group put in someone else's mouth", async () => {
    const s = await harness.scenario({ family: "lemmy-1.0" });
    expect(await s.follow(MAIN)).toBe(202);
    const real = page(`${DS9}/post/60`, ALPHA, "Alpha's thread in a remote group");
    const create = { "@context": LEMMY_CONTEXT, id: `${DS9}/activities/create/60`, type: "Create", actor: ALPHA, object: real, to: [PUBLIC], cc: [MAIN] };
    s.publish(s.rewrite(create));
    const announce = (n: number, object: unknown) => ({
      "@context": LEMMY_CONTEXT, id: `${E}/activities/announce/${n}`, type: "Announce", actor: MAIN,
      to: [PUBLIC], cc: [`${MAIN}/followers`], object,
    });
    const { "@context": _, ...inner } = create;
    expect(await s.send(announce(60, inner), { publish: false })).toBe(202);
    const before = await state(s, real.id);
    expect(before.api.thread[0].title).toBe("Alpha's thread in a remote group");
    // Inner activities with an id on the group's own origin, or none: Fedify
    // takes such an embedded copy as it is.
    const forgeries = [
      { id: `${E}/activities/like/61`, type: "Like", actor: ALPHA, object: real.id },
      { id: `${E}/activities/update/62`, type: "Update", actor: ALPHA, object: { ...real, name: "Not alpha's words" } },
      { type: "Delete", actor: ALPHA, object: real.id },
      { id: `${E}/activities/delete/64`, type: "Delete", actor: ALPHA, object: real.id },
    ];
    for (const [i, forged] of forgeries.entries()) {
      expect(await s.send(announce(61 + i, { to: [PUBLIC], cc: [MAIN], ...forged }), { publish: false })).toBe(202);
      expect(await state(s, real.id), JSON.stringify(forged)).toEqual(before);
    }
    // The Announce itself minted on alpha's origin, so that an inner Delete on that origin is not fetched either.
    const onVictimsOrigin = {
      ...announce(65, { id: `${DS9}/activities/delete/65`, type: "Delete", actor: ALPHA, object: real.id, to: [PUBLIC], cc: [MAIN] }),
      id: `${DS9}/activities/announce/65`,
    };
    expect(await s.send(onVictimsOrigin, { publish: false })).toBe(202);
    expect(await state(s, real.id)).toEqual(before);
    await alive();
  });

  it("5. an unsigned, a wrongly signed or a tampered delivery: 401, nothing stored", async () => {
    const s = await harness.scenario({ family: "lemmy-1.0", local: { [MAIN]: "group" } });
    const create = s.rewrite(harness.fixture("lemmy-1.0", CREATE_PAGE).json);
    s.publish(create);
    const before = await state(s);
    const stranger = await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["sign", "verify"],
    ) as CryptoKeyPair;
    expect(await s.deliver(create, { sign: false }), "unsigned").toBe(401);
    expect(await s.deliver(create, { privateKey: stranger.privateKey }), "signed by another key under alpha's key id").toBe(401);
    const signed = await s.request(create);
    const garbled = new Headers(signed.headers);
    garbled.set("signature", signed.headers.get("signature")!.replace(/signature="[^"]{8}/, 'signature="AAAAAAAA'));
    expect(await s.post(new Request(signed.url, { method: "POST", headers: garbled, body: JSON.stringify(create) })), "bad signature").toBe(401);
    const tampered = JSON.stringify({ ...create, object: { ...create.object, name: "Changed after signing" } });
    expect(await s.post(new Request(signed.url, { method: "POST", headers: signed.headers, body: tampered })), "body changed after signing").toBe(401);
    expect(await state(s)).toEqual(before);
    expect(before.api).toBeNull();
    // The same delivery, honestly signed, is taken.
    expect(await s.deliver(create)).toBe(202);
    expect((await state(s)).api.thread[0].title).toBe("test post");
    await alive();
  });

  it("6. a Like by one actor delivered with another actor's signature", async () => {
    const s = await groupWithThread();
    const before = await state(s);
    const like = { "@context": LEMMY_CONTEXT, id: `${ALPHA}#likes/forged`, type: "Like", actor: ALPHA, object: THREAD };
    expect(await s.send(like, { signer: BETA, publish: false })).toBe(401);
    const undo = { "@context": LEMMY_CONTEXT, id: `${BETA}#undo/forged`, type: "Undo", actor: ALPHA, object: like };
    expect(await s.send(undo, { signer: BETA, publish: false })).toBe(401);
    expect(await state(s)).toEqual(before);
    await stillServing(s);
  });
});
