/**
 * Attack corpus: activities from a blocked instance, a blocked actor and a
 * deleted actor (after its own Delete), and the replay of a deleted actor's
 * activity signed before the Delete.  Each must change nothing and leave
 * the server answering; controls show the same activity counts otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockActor } from "../../src/admin.ts";
import { removeDomain, setDomainRule } from "../../src/federation-policy.ts";
import { PUBLIC } from "../conformance/harness.ts";
import { snapshot } from "../conformance/outcomes.ts";
import { ALPHA, before, DS9, freshLike, MAIN, probe, startTarget, type Target, THREAD, unchangedAndAlive } from "../helpers/security.ts";

let t: Target;
beforeAll(async () => {
  t = await startTarget({ LOG_LEVEL: "fatal" });
}, 120_000);
afterAll(() => t?.stop());

const db = () => t.instance.kindred.database.db;
const ctx = () => t.instance.kindred.federation.createContext(t.instance.url, t.instance.kindred.contextData);
const ds9 = () => new URL(t.s.uri(DS9)).host;
const likes = async () => (await snapshot(t.s)).posts.map((p: any) => p.like_count);

function like(actor = ALPHA) {
  const doc = t.s.rewrite(freshLike(actor));
  t.s.publish(doc);
  return doc;
}
let n = 0;
function create(actor: string) {
  const id = `${DS9}/post/blocked-${++n}`;
  const object = { id, type: "Page", attributedTo: actor, name: `Thread ${n}`, content: "<p>hello</p>", to: [MAIN, PUBLIC], audience: MAIN };
  const doc = t.s.rewrite({ "@context": "https://www.w3.org/ns/activitystreams", id: `${id}#create`, type: "Create", actor, object, to: [MAIN, PUBLIC] });
  t.s.publish(doc);
  return doc;
}

describe("a blocked instance", () => {
  beforeAll(async () => {
    await setDomainRule(db(), null, ds9(), "block", "corpus");
  });
  afterAll(async () => {
    await removeDomain(db(), null, ds9());
  });
  it.each([
    ["a Like", () => like()],
    ["a new thread", () => create(ALPHA)],
    ["an Undo of a vote", () => ({ ...like(), type: "Undo", object: like() })],
    ["a Follow of the group", () => t.s.rewrite({ "@context": "https://www.w3.org/ns/activitystreams", id: `${ALPHA}#follow-${++n}`, type: "Follow", actor: ALPHA, object: MAIN })],
  ] as [string, () => any][])("%s is refused with 403", async (_name, make) => {
    const was = await before(t);
    expect(await probe(t, await t.s.request(make()))).toBe(403);
    await unchangedAndAlive(t, was);
  });
});

describe("a blocked actor", () => {
  beforeAll(async () => {
    await blockActor(ctx(), null, t.s.uri(ALPHA), true, "corpus");
  });
  afterAll(async () => {
    await blockActor(ctx(), null, t.s.uri(ALPHA), false);
  });
  it.each([
    ["a Like", () => like()],
    ["a new thread", () => create(ALPHA)],
  ] as [string, () => any][])("%s changes nothing", async (_name, make) => {
    const was = await before(t);
    const status = await probe(t, await t.s.request(make()));
    expect([202, 403]).toContain(status);
    await unchangedAndAlive(t, was);
  });
});

describe("a deleted actor", () => {
  const GONE = `${DS9}/u/gone_for_good`;
  let oldLike: Request;
  let oldCreate: Request;

  beforeAll(async () => {
    t.s.referencePerson(GONE);
    // Control: before its Delete, the actor's Like counts.
    const was = await likes();
    expect(await probe(t, await t.s.request(like(GONE)))).toBe(202);
    expect(await likes()).not.toEqual(was);
    // Signed now, delivered after the Delete: a replay of its old activities.
    oldLike = await t.s.request(like(GONE));
    oldCreate = await t.s.request(create(GONE));
    const del = t.s.rewrite({ "@context": "https://www.w3.org/ns/activitystreams", id: `${GONE}#delete`, type: "Delete", actor: GONE, object: GONE, to: [PUBLIC] });
    t.s.publish(del);
    expect(await probe(t, await t.s.request(del))).toBe(202);
    const row = await db().selectFrom("actors").select("deleted_at").where("uri", "=", t.s.uri(GONE)).executeTakeFirstOrThrow();
    expect(row.deleted_at).toBeInstanceOf(Date);
  });

  it.each([
    ["a replay of its Like signed before the Delete", () => oldLike.clone()],
    ["a replay of its thread signed before the Delete", () => oldCreate.clone()],
    ["a new Like after the Delete", () => t.s.request(like(GONE))],
    ["a new thread after the Delete", () => t.s.request(create(GONE))],
  ] as [string, () => Request | Promise<Request>][])("%s changes nothing", async (_name, make) => {
    const was = await before(t);
    const status = await probe(t, await make());
    expect([202, 401, 403, 410]).toContain(status);
    await unchangedAndAlive(t, was);
  });

  it("control: another actor's Like still counts", async () => {
    const was = await likes();
    expect(await probe(t, await t.s.request(like()))).toBe(202);
    expect(await likes()).not.toEqual(was);
    void THREAD;
  });
});
