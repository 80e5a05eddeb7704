/**
 * Issue #6, item 1: the visibility matrix across three live instances.
 * A hosts three groups (public, private, local-only); B is a partner with an
 * approved member (bob); C has no member, and is later blocked by A.  For
 * every kind of content × viewer × visibility, exactly the allowed cells
 * succeed.  The same table is in docs/FEDERATION.md ("Group visibility").
 */
import { signRequest } from "@fedify/fedify";
import { Create, Note, PUBLIC_COLLECTION } from "@fedify/vocab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setDomainRule } from "../src/federation-policy.ts";
import { logIn } from "../src/auth.ts";
import { api, apiOk, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { WebClient } from "./helpers/web.ts";

type Visibility = "public" | "private" | "local";
const VIEWERS = ["anonymous", "local non-member", "member", "remote member's instance", "remote non-member instance", "blocked instance"] as const;
type Viewer = (typeof VIEWERS)[number];
const KINDS = ["group actor", "thread", "reply", "followers", "featured", "moderators", "outbox", "thread context", "search", "HTML page", "notification"] as const;
type Kind = (typeof KINDS)[number];

/**
 * Y: succeeds, N: refused or empty, -: not applicable (a remote server has
 * no web session; a local reader does not fetch ActivityPub).  Columns:
 * anonymous, local non-member, member, remote member's instance, remote
 * non-member instance, blocked instance.
 */
const EXPECTED: Record<Visibility, Record<Kind, string>> = {
  public: {
    "group actor": "YYYYYN", thread: "YYYYYN", reply: "YYYYYN",
    followers: "Y--YYN", featured: "Y--YYN", moderators: "Y--YYN", outbox: "Y--YYN", "thread context": "Y--YYN",
    search: "YYY---", "HTML page": "YYY---", notification: "--YYNN",
  },
  private: {
    "group actor": "YYYYYN", thread: "NNYYNN", reply: "NNYYNN",
    followers: "N--YNN", featured: "N--YNN", moderators: "N--YNN", outbox: "N--YNN", "thread context": "N--YNN",
    search: "YYY---", "HTML page": "NNY---", notification: "--YYNN",
  },
  local: {
    "group actor": "NYYNNN", thread: "NYYNNN", reply: "NYYNNN",
    followers: "N--NNN", featured: "N--NNN", moderators: "N--NNN", outbox: "N--NNN", "thread context": "N--NNN",
    search: "NYY---", "HTML page": "NYY---", notification: "--YNNN",
  },
};

let a: TestInstance, b: TestInstance, c: TestInstance;
let olive: Member, bob: Member, carol: Member, lena: Member, mia: Member;
let lenaWeb: WebClient, miaWeb: WebClient;
const all = () => [a, b, c];

interface Fixture {
  slug: string;
  name: string;
  actorId: number;
  thread: { id: number; uri: string };
  reply: { id: number; uri: string };
  /** mia's thread, replied to by olive: mia's notification. */
  miaThread: { id: number; uri: string };
}
const groups = {} as Record<Visibility, Fixture>;

async function memberOf(instance: TestInstance, web: WebClient, username: string): Promise<Member> {
  await web.signUp(username);
  const token = (await logIn(instance.kindred.database.db, username, `${username} has a long password`))!;
  return { instance, username, token, uri: new URL(`/@${username}`, instance.url).href };
}

const fedify = (i: TestInstance) => i.kindred.federation.createContext(i.url, i.kindred.contextData);

/** A GET for ActivityPub JSON, signed by `from`'s instance actor (or unsigned). */
async function apGet(url: string, from?: TestInstance): Promise<Response> {
  const request = new Request(url, { headers: { Accept: "application/activity+json" } });
  if (!from) return await fetch(request);
  const pairs = await fedify(from).getActorKeyPairs("_instance");
  const rsa = pairs.find((p) => p.privateKey.algorithm.name === "RSASSA-PKCS1-v1_5")!;
  return await fetch(await signRequest(request, rsa.privateKey, rsa.keyId));
}

async function stored(instance: TestInstance, uri: string): Promise<boolean> {
  const row = await instance.kindred.database.db.selectFrom("posts").select("id").where("uri", "=", uri).executeTakeFirst();
  return row != null;
}

async function post(member: Member, groupId: number, title: string) {
  return (await apiOk(member, "POST", `/groups/${groupId}/threads`, { title, body: `${title}: nothing personal.` })).post;
}

beforeAll(async () => {
  [a, b, c] = await Promise.all([startInstance(), startInstance(), startInstance()]);
  lenaWeb = new WebClient(a);
  miaWeb = new WebClient(a);
  [olive, bob, carol, lena, mia] = await Promise.all([
    createMember(a, "olive"), createMember(b, "bob"), createMember(c, "carol"),
    memberOf(a, lenaWeb, "lena"), memberOf(a, miaWeb, "mia"),
  ]);
  // B may receive private content; C is not a partner.
  await setDomainRule(a.kindred.database.db, null, b.host, "partner");
  for (const visibility of ["public", "private", "local"] as const) {
    const slug = `${visibility}-circle`;
    const name = `${visibility} circle`;
    await createLocalGroup(a, { slug, name, owner: "olive", visibility });
    const groupUri = new URL(`/@${slug}`, a.url).href;
    const actorId = (await apiOk(olive, "POST", "/groups/follow", { handle: slug })).group.id;
    await apiOk(mia, "POST", "/groups/follow", { handle: slug });
    // bob asks from B; a local-only group cannot even be found from there.
    const bobJoin = await api(bob, "POST", "/groups/follow", { handle: groupUri });
    expect(bobJoin.status < 300, `bob joins ${slug}: ${bobJoin.status}`).toBe(visibility !== "local");
    await waitForQueues(all());
    if (visibility === "private") {
      const { requests } = await apiOk(olive, "GET", `/groups/${actorId}/requests`);
      expect(requests.map((r: { handle: string }) => r.handle).sort()).toEqual([`@bob@${b.host}`, `@mia@${a.host}`].sort());
      const fromB = requests.find((r: { handle: string }) => r.handle.endsWith(b.host));
      expect(fromB.warning).toContain(`the admins of ${b.host} will be able to read this group`);
      expect(requests.find((r: { handle: string }) => r.handle.startsWith("@mia")).warning).toBeNull();
      for (const r of requests) await apiOk(olive, "POST", `/groups/${actorId}/requests/${r.id}/approve`);
      await waitForQueues(all());
    }
    const thread = await post(olive, actorId, `Thread in the ${name}`);
    const reply = (await apiOk(olive, "POST", `/posts/${thread.id}/replies`, { body: `Reply in the ${name}` })).post;
    const miaThread = await post(mia, actorId, `Mia asks in the ${name}`);
    await apiOk(olive, "POST", `/posts/${miaThread.id}/replies`, { body: `Olive answers mia in the ${name}` });
    await waitForQueues(all());
    groups[visibility] = { slug, name, actorId, thread, reply, miaThread };
  }
}, 180_000);

afterAll(async () => {
  await Promise.all(all().filter(Boolean).map((i) => i.stop()));
});

/** Whether `viewer` gets `kind` of the group's content; undefined when not applicable. */
async function attempt(g: Fixture, kind: Kind, viewer: Viewer): Promise<boolean | undefined> {
  const local = viewer === "local non-member" || viewer === "member";
  const who = viewer === "member" ? mia : lena;
  const web = viewer === "member" ? miaWeb : viewer === "local non-member" ? lenaWeb : new WebClient(a);
  const remote = viewer.endsWith("instance");
  const signer = viewer === "remote member's instance" ? b : remote ? c : undefined;
  const base = new URL(`/@${g.slug}`, a.url).href;
  const ap = async (url: string, check: (json: any) => boolean) => {
    if (local) return undefined;
    const res = await apGet(url, signer);
    return res.ok && check(await res.json());
  };
  switch (kind) {
    case "group actor":
      if (local) return (await api(who, "GET", `/groups/${g.actorId}`)).status === 200;
      return await ap(base, (j) => j.type === "Group");
    case "thread":
    case "reply": {
      const target = kind === "thread" ? g.thread : g.reply;
      if (local) {
        const res = await api(who, "GET", `/posts/${target.id}`);
        return res.status === 200 && res.json.thread.some((p: { uri: string }) => p.uri === target.uri);
      }
      return await ap(target.uri, (j) => j.id === target.uri && typeof j.content === "string");
    }
    case "followers":
      return await ap(`${base}/followers`, (j) => j.totalItems >= 1);
    case "featured":
      return await ap(`${base}/featured`, (j) => j.type === "OrderedCollection");
    case "moderators":
      return await ap(`${base}/moderators`, (j) => JSON.stringify(j).includes(olive.uri));
    case "outbox":
      return await ap(`${base}/outbox`, (j) => j.totalItems >= 1);
    case "thread context":
      return await ap(`${g.thread.uri}/context`, (j) => JSON.stringify(j).includes(g.reply.uri));
    case "search": {
      if (remote) return undefined;
      const page = await web.get(`/groups?q=${encodeURIComponent(g.name)}`);
      return page.status === 200 && page.html.includes(`@${g.slug}@`);
    }
    case "HTML page": {
      if (remote) return undefined;
      const page = await web.get(`/p/${g.thread.id}`);
      return page.status === 200 && page.html.includes(`Reply in the ${g.name}`);
    }
    case "notification": {
      if (viewer === "anonymous" || viewer === "local non-member") return undefined;
      if (viewer === "member") return (await miaWeb.get("/notifications")).html.includes(`Mia asks in the ${g.name}`);
      // Delivered to the viewer's server: the group's thread is stored there.
      return await stored(viewer === "remote member's instance" ? b : c, g.thread.uri);
    }
  }
}

async function checkCells(viewers: readonly Viewer[]) {
  const failures: string[] = [];
  for (const visibility of ["public", "private", "local"] as const) {
    for (const kind of KINDS) {
      for (const viewer of viewers) {
        const expected = EXPECTED[visibility][kind][VIEWERS.indexOf(viewer)];
        const got = await attempt(groups[visibility], kind, viewer);
        const actual = got === undefined ? "-" : got ? "Y" : "N";
        if (actual !== expected) failures.push(`${visibility} × ${kind} × ${viewer}: expected ${expected}, got ${actual}`);
      }
    }
  }
  expect(failures, failures.join("\n")).toEqual([]);
}

describe("visibility matrix", () => {
  it("every cell for anonymous, local and remote viewers", async () => {
    await checkCells(VIEWERS.filter((v) => v !== "blocked instance"));
  });

  it("a private group's activities and objects never address as:Public; a member on B posts into it", async () => {
    const g = groups.private;
    const bobGroup = (await apiOk(bob, "POST", "/groups/follow", { handle: new URL(`/@${g.slug}`, a.url).href })).group;
    expect(bobGroup.visibility, "B reads the group as private").toBe("private");
    const fromB = await post(bob, bobGroup.id, "Bob writes in the private circle");
    await waitForQueues(all());
    expect(await stored(a, fromB.uri), "bob's post reached A").toBe(true);
    const groupUri = new URL(`/@${g.slug}`, a.url).href;
    for (const instance of [a, b]) {
      const rows = await instance.kindred.database.db.selectFrom("activities").select(["type", "json"]).execute();
      const about = rows.filter((r) => JSON.stringify(r.json).includes(groupUri));
      expect(about.length, `activities about the private group kept on ${instance.host}`).toBeGreaterThanOrEqual(instance === a ? 4 : 1);
      for (const r of about) expect(JSON.stringify(r.json), `${r.type} on ${instance.host}`).not.toContain("#Public");
    }
    const served = await (await apGet(g.thread.uri, b)).json();
    expect(served.to).not.toContain(PUBLIC_COLLECTION.href);
    expect([served.to, served.cc].flat()).toContain(groupUri);
    // The public group still addresses Public.
    const pub = await (await apGet(groups.public.thread.uri)).json();
    expect(pub.to).toContain(PUBLIC_COLLECTION.href);
  });

  it("refuses a Create addressed to as:Public into the private group, even from a member", async () => {
    const groupUri = new URL(`/@${groups.private.slug}`, a.url);
    const ctx = fedify(b);
    const send = async (n: number, to: URL[]) => {
      const id = new URL(`/comments/${900_000 + n}`, b.url);
      const note = new Note({
        id, attribution: new URL(bob.uri), content: `<p>Crafted ${n}</p>`, tos: to, ccs: [groupUri], audience: groupUri,
        replyTarget: new URL(groups.private.thread.uri),
      });
      const create = new Create({ id: new URL(`/activities/crafted-${n}`, b.url), actor: new URL(bob.uri), object: note, tos: to, ccs: [groupUri] });
      await ctx.sendActivity({ identifier: "bob" }, { id: groupUri, inboxId: new URL(`${groupUri.href}/inbox`) }, create);
      await waitForQueues(all());
      return await stored(a, id.href);
    };
    expect(await send(1, [PUBLIC_COLLECTION]), "public Create into the private group").toBe(false);
    // The same Create addressed to the group only is taken: the refusal is about the audience.
    expect(await send(2, [groupUri]), "group-only Create").toBe(true);
  });

  it("rejects a join request from a server that is not a partner, with the reason", async () => {
    const groupUri = new URL(`/@${groups.private.slug}`, a.url).href;
    const res = await apiOk(carol, "POST", "/groups/follow", { handle: groupUri });
    await waitForQueues(all());
    const onA = await a.kindred.database.db.selectFrom("follows").innerJoin("actors", "actors.id", "follows.follower_id")
      .select("follows.state").where("actors.uri", "=", carol.uri).execute();
    expect(onA, "no request kept on A").toEqual([]);
    const mine = await api(carol, "GET", `/groups/${res.group.id}`);
    expect(mine.json.membership, "carol's request was rejected").toBeNull();
  });

  it("a local-only group is not served to ActivityPub or WebFinger (404)", async () => {
    const slug = groups.local.slug;
    expect((await apGet(new URL(`/@${slug}`, a.url).href)).status).toBe(404);
    expect((await apGet(new URL(`/@${slug}`, a.url).href, b)).status).toBe(404);
    const wf = await fetch(new URL(`/.well-known/webfinger?resource=acct:${slug}@${a.host}`, a.url));
    expect(wf.status).toBe(404);
    const pubWf = await fetch(new URL(`/.well-known/webfinger?resource=acct:${groups.public.slug}@${a.host}`, a.url));
    expect(pubWf.status).toBe(200);
  });

  it("every cell for a blocked instance", async () => {
    await setDomainRule(a.kindred.database.db, null, c.host, "block");
    await checkCells(["blocked instance"]);
  });
});
