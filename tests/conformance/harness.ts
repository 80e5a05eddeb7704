/**
 * The fixture conformance harness: replays real payloads of other fediverse
 * software into a live Kindred instance's inbox.
 *
 * - `loadFixtures(dir)` (load.ts) reads and classifies a directory of payloads.
 * - `ConformanceHarness.start()` starts a stub server for every host the
 *   payloads name (rewrite.ts, stubs.ts) and a local member, `kim`.
 * - `harness.scenario()` gives each test a fresh namespace on the stubs, the
 *   Kindred groups its payloads address (mapped from their original URIs),
 *   and the family's object and collection fixtures served by the stubs.
 * - `scenario.replay(fixture)` delivers the payload as its software would,
 *   signed (draft-cavage HTTP Signatures with Digest, via Fedify's
 *   `signRequest`) with the stub actor's key: see `replay` for objects and
 *   collections.
 */
import { signRequest } from "@fedify/fedify";
import { expect } from "vitest";
import { findActorByUri } from "../../db/actors.ts";
import { addGroupStaff } from "../../db/groups.ts";
import { resolveActor } from "../../federation/remote-actors.ts";
import { apiOk, createLocalGroup, createMember, type Member, waitForQueues } from "../helpers/federation.ts";
import { startInstance, type TestInstance } from "../helpers/instance.ts";
import { hostsIn, idsOf, type LocalMapping, rewriteDoc, schemeless, withoutNamespace } from "./rewrite.ts";
import {
  AS_CONTEXT,
  FIXTURE_DIR,
  type Fixture,
  GROUP_PATH,
  LEMMY_CONTEXT,
  loadFixtures,
  PUBLIC,
  SYNTHESIZED_CONTEXT,
} from "./load.ts";
import { isActorType, type Received, StubNetwork } from "./stubs.ts";

export { AS_CONTEXT, type Fixture, loadFixtures, PUBLIC } from "./load.ts";

export interface HarnessOptions {
  /** Added to top-level documents that have no `@context` (Lemmy's test assets strip it). */
  defaultContext?: unknown;
  /** More hosts to run stubs for (hosts named by hand-written payloads). */
  extraHosts?: string[];
}

export interface ScenarioSetup {
  /** Family whose object and collection fixtures the stubs serve, and whose files `replay` names are relative to. */
  family?: string;
  /** Original URIs that stand for the Kindred side: a local group (created) or the local member `kim`. */
  local?: Record<string, "group" | "member">;
}

export class ConformanceHarness {
  readonly stubs = new StubNetwork(withoutNamespace);
  member!: Member;
  private counter = 0;

  private constructor(
    readonly instance: TestInstance,
    readonly fixtures: Fixture[],
    readonly options: HarnessOptions,
  ) {}

  static async start(instance: TestInstance, fixtures: Fixture[], options: HarnessOptions = {}) {
    const harness = new ConformanceHarness(instance, fixtures, options);
    const hosts = hostsIn(fixtures.map((f) => f.json));
    for (const h of options.extraHosts ?? []) hosts.add(h);
    await harness.stubs.listen(hosts);
    harness.member = await createMember(instance, "kim");
    return harness;
  }

  fixture(family: string | undefined, path: string): Fixture {
    const found = this.fixtures.find((f) => f.path === path || (family && f.path === `${family}/${path}`));
    if (!found) throw new Error(`no fixture ${path}${family ? ` in ${family}` : ""}`);
    return found;
  }

  async scenario(setup: ScenarioSetup = {}): Promise<Scenario> {
    const ns = `s${++this.counter}`;
    const local: LocalMapping[] = [];
    const groups = new Map<string, string>();
    for (const [original, role] of Object.entries(setup.local ?? {})) {
      let target: string;
      if (role === "group") {
        const base = (schemeless(original).split("/").filter(Boolean).pop() ?? "group")
          .toLowerCase().replace(/[^a-z0-9_-]/g, "").slice(0, 40) || "group";
        const slug = `${ns}-${base}`;
        await createLocalGroup(this.instance, { slug, name: `${base} (${ns})`, description: "Conformance test group." });
        target = new URL(`/@${slug}`, this.instance.url).href;
        groups.set(original, target);
      } else {
        target = this.member.uri;
      }
      local.push({ prefix: schemeless(original), target });
    }
    // Longer prefixes first, so that `/c/main/x` is not taken for `/c/main`.
    local.sort((a, b) => b.prefix.length - a.prefix.length);
    const scenario = new Scenario(this, ns, setup.family, local, groups);
    for (const f of this.fixtures.filter((f) => f.family === setup.family)) {
      const doc = scenario.rewrite(f.json);
      if (f.kind !== "activity") scenario.publish(doc);
    }
    return scenario;
  }

  /** Queue messages that are delayed: retries of failed deliveries or inbox handlers. */
  async pendingRetries(): Promise<number> {
    const row = await this.instance.kindred.database.db.selectFrom("queue_messages")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("deliver_at", ">", new Date()).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async close(): Promise<void> {
    await this.stubs.close();
  }
}

export interface DeliverOptions {
  /** The actor whose key signs (default: the activity's actor). */
  signer?: string;
  /** Sign with this private key instead, under the signer's key id (a wrong key). */
  privateKey?: CryptoKey;
  /** false: send without any signature. */
  sign?: boolean;
  /** Where to POST (default: see `inboxFor`). */
  inbox?: string;
  /** false: do not make the stubs serve the activity and what it embeds. */
  publish?: boolean;
}

export class Scenario {
  constructor(
    readonly harness: ConformanceHarness,
    readonly ns: string,
    readonly family: string | undefined,
    private readonly local: LocalMapping[],
    /** Original URI → Kindred URI of the local groups. */
    readonly groups: Map<string, string>,
  ) {}

  get stubs(): StubNetwork {
    return this.harness.stubs;
  }

  /**
   * Makes the actor at an original URI a moderator of the scenario's first
   * local group (as its owner could, by appointing them).
   */
  async appoint(original: string): Promise<void> {
    const kindred = this.harness.instance.kindred;
    const ctx = kindred.federation.createContext(kindred.config.origin, kindred.contextData);
    // Synthesised by its stub if the fixtures have no document for it.
    const actor = await resolveActor(ctx, new URL(this.referencePerson(original)));
    const group = await findActorByUri(kindred.database.db, this.group);
    await addGroupStaff(kindred.database.db, group!.id, actor.id, "moderator");
  }

  /** The rewritten form of an original URI. */
  uri(original: string): string {
    return this.rewrite(original);
  }

  /** The first local group's Kindred URI. */
  get group(): string {
    const first = this.groups.values().next();
    if (first.done) throw new Error("this scenario has no local group");
    return first.value;
  }

  /** Makes the stubs serve a synthesized Person at `original` (rewritten). */
  referencePerson(original: string): string {
    const uri = this.uri(original);
    this.stubs.referenceActor(uri, "Person");
    return uri;
  }

  /**
   * A payload with its URIs rewritten, a default `@context` if it had none,
   * non-preloaded contexts served, and the actors it references made
   * available as synthesized documents.
   */
  rewrite<T>(value: T): T {
    const doc = rewriteDoc(value, { ns: this.ns, ports: this.stubs.ports, local: this.local });
    if (doc && typeof doc === "object" && !Array.isArray(doc)) {
      const d = doc as Record<string, unknown>;
      if (!("@context" in d) && this.harness.options.defaultContext) {
        return this.rewrite({ "@context": this.harness.options.defaultContext, ...value as object }) as T;
      }
      for (const url of idsOf(d["@context"])) {
        if (this.stubs.isStub(url) && !this.stubs.get(url)) this.stubs.put(url, SYNTHESIZED_CONTEXT);
      }
      this.referenceActors(d);
    }
    return doc;
  }

  /**
   * Makes the stubs serve `doc` at its id, and the objects it embeds from
   * the same origin (a server serves its own objects; a document that maps
   * to Kindred lets each embedded stub object speak for its own origin).
   */
  publish(doc: any, origin?: string): void {
    if (!doc || typeof doc !== "object") return;
    const stub = typeof doc.id === "string" && this.stubs.isStub(doc.id);
    const scope = origin ?? (stub ? this.originOf(doc.id) : undefined);
    if (stub && this.originOf(doc.id) === scope) {
      this.stubs.put(doc.id, doc["@context"] ? doc : { "@context": AS_CONTEXT, ...doc });
    }
    for (const key of ["object", "orderedItems", "items"]) {
      for (const inner of [doc[key]].flat()) {
        if (inner && typeof inner === "object") publishInner(this, doc, inner, scope);
      }
    }
    // What a server serves after it deleted something of its own.
    if (doc.type === "Delete" && typeof doc.object === "string" && scope && this.originOf(doc.object) === scope) {
      this.stubs.put(doc.object, { "@context": AS_CONTEXT, id: doc.object, type: "Tombstone" });
    }
  }

  /** The inbox a payload goes to: the local group or member it addresses, else the shared inbox. */
  inboxFor(doc: any): string {
    const addressed = ["to", "cc", "bto", "audience", "object", "target"].flatMap((k) => idsOf(doc?.[k]));
    const targets = new Set([...this.groups.values(), this.harness.member.uri]);
    const hit = addressed.find((id) => targets.has(id));
    return hit ? `${hit}/inbox` : new URL("/inbox", this.harness.instance.url).href;
  }

  /** POSTs a rewritten activity, signed, and waits until Kindred's queue is idle.  Returns the HTTP status. */
  async deliver(doc: any, options: DeliverOptions = {}): Promise<number> {
    if (options.publish !== false) this.publish(doc);
    return await this.post(await this.request(doc, options));
  }

  /** The POST request `deliver` sends (signed unless `sign` is false), without sending it. */
  async request(doc: any, options: DeliverOptions = {}): Promise<Request> {
    const request = new Request(options.inbox ?? this.inboxFor(doc), {
      method: "POST",
      headers: { "Content-Type": "application/activity+json", Accept: "application/activity+json" },
      body: JSON.stringify(doc),
    });
    if (options.sign === false) return request;
    const signer = options.signer ?? idsOf(doc.actor)[0];
    const privateKey = options.privateKey ?? (await this.stubs.keyPair(signer)).privateKey;
    return await signRequest(request, privateKey, new URL(await this.stubs.keyIdOf(signer)));
  }

  /** Sends a request to Kindred and waits until its queue is idle.  Returns the HTTP status. */
  async post(request: Request): Promise<number> {
    const response = await fetch(request);
    await response.text();
    await waitForQueues([this.harness.instance]);
    return response.status;
  }

  /** `deliver` for a payload written with original URIs. */
  send(original: any, options: DeliverOptions = {}): Promise<number> {
    return this.deliver(this.rewrite(original), options);
  }

  /**
   * Replays a fixture (or a path of this scenario's family):
   * - an activity is delivered as it is, signed by its actor;
   * - a post-like object (Page, Article, Note, ChatMessage, ...) is served
   *   and delivered inside a `Create` by its `attributedTo`, addressed as
   *   the object is;
   * - a `Tombstone` replaces the live object that a seed published and is
   *   delivered inside a `Delete` by that object's author;
   * - a Group is followed by `kim` through the API, and the stub accepts;
   * - another actor (Person, Application, ...) follows the local group;
   * - a collection is served, and its owner (the actor whose id it extends)
   *   is met as above.
   */
  async replay(fixture: Fixture | string): Promise<number> {
    const f = typeof fixture === "string" ? this.harness.fixture(this.family, fixture) : fixture;
    const doc = this.rewrite(f.json);
    if (f.kind === "activity") return await this.deliver(this.answeringOurFollow(doc));
    const { "@context": context, ...object } = doc;
    if (doc.type === "Tombstone") {
      const live = this.stubs.get(doc.id);
      const author = live?.type === "Tombstone" ? undefined : live?.attributedTo;
      if (!author) throw new Error(`${f.path}: a Tombstone needs a seed with its id and author`);
      this.publish(doc);
      return await this.deliver({
        "@context": context, id: `${doc.id}#delete`, type: "Delete", actor: author, object, to: [PUBLIC],
      });
    }
    this.publish(doc);
    if (f.kind === "collection") return await this.meet(this.ownerOf(doc.id));
    if (isActorType(doc.type)) return await this.meet(doc.id);
    return await this.deliver(this.createFor(object, context));
  }

  /**
   * Publishes an object written with original URIs (or takes the one the
   * stubs serve at an original URI) and delivers its `Create`.
   */
  async seed(original: any): Promise<number> {
    const served = typeof original === "string" ? this.stubs.get(this.uri(original)) : undefined;
    if (typeof original === "string" && !served) throw new Error(`no object served at ${original} to seed`);
    const doc = served ?? this.rewrite({ "@context": AS_CONTEXT, ...original });
    const { "@context": context, ...object } = doc;
    this.publish(doc);
    return await this.deliver(this.createFor(object, context));
  }

  /**
   * `kim` follows a stub group through Kindred's API (`POST
   * /api/v1/groups/follow`); the stub answers with a signed Accept unless
   * `accept` is false.  Returns the status of the Accept's delivery (or 0).
   */
  async follow(group: string, { accept = true } = {}): Promise<number> {
    const url = this.stubs.isStub(group) ? group : this.uri(group);
    await apiOk(this.harness.member, "POST", "/groups/follow", { handle: url });
    await waitForQueues([this.harness.instance]);
    const [follow] = await this.waitForDeliveries((r) => r.json?.type === "Follow" && r.json.object === url);
    if (!accept) return 0;
    const { "@context": _, ...embedded } = follow.json;
    return await this.deliver({
      "@context": AS_CONTEXT,
      id: `${url}#accept-${this.ns}`,
      type: "Accept",
      actor: url,
      object: embedded,
      to: [this.harness.member.uri],
    });
  }

  /**
   * An Accept or Reject names the Follow it answers.  A real server echoes
   * the Follow we sent; the fixture names its own, so put ours in its place.
   */
  answeringOurFollow(doc: any): any {
    if (doc.type !== "Accept" && doc.type !== "Reject") return doc;
    const [ours] = this.received((r) => r.json?.type === "Follow" && r.json.object === doc.actor);
    if (!ours) return doc;
    const object = typeof doc.object === "object" && doc.object != null
      ? { ...doc.object, id: ours.json.id }
      : ours.json.id;
    return { ...doc, object };
  }

  /** What the stubs received in this scenario. */
  received(filter: (r: Received) => boolean = () => true): Received[] {
    return this.stubs.deliveries((r) => r.url.includes(`/${this.ns}/`) && filter(r));
  }

  /** Polls (bounded) until the stubs received a matching delivery in this scenario. */
  async waitForDeliveries(filter: (r: Received) => boolean, timeoutMs = 10_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received(filter);
      if (found.length > 0) return found;
      if (Date.now() > deadline) {
        expect.fail(`no matching delivery reached the stubs; they got: ${
          JSON.stringify(this.received().map((r) => [r.url, r.json?.type]))
        }`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private createFor(object: any, context: unknown) {
    return {
      "@context": context ?? AS_CONTEXT,
      id: `${object.id}#create`,
      type: "Create",
      actor: idsOf(object.attributedTo)[0],
      object,
      to: object.to ?? [PUBLIC],
      ...(object.cc ? { cc: object.cc } : {}),
      ...(object.audience ? { audience: object.audience } : {}),
    };
  }

  /** The actor met for a replayed actor or collection fixture. */
  private async meet(actor: string): Promise<number> {
    const doc = (await this.stubs.document(actor))?.json;
    if (doc?.type === "Group") return await this.follow(actor);
    return await this.deliver({
      "@context": AS_CONTEXT,
      id: `${actor}#follow-${this.ns}`,
      type: "Follow",
      actor,
      object: this.group,
      to: [this.group],
    });
  }

  /** The actor a collection belongs to: the longest served or referenced actor URL it extends. */
  private ownerOf(collection: string): string {
    const parts = collection.split("/");
    for (let n = parts.length - 1; n > 3; n--) {
      const candidate = parts.slice(0, n).join("/");
      const type = this.stubs.get(candidate)?.type;
      if (isActorType(type)) return candidate;
    }
    // No fixture describes the owner: serve a synthesized one (with a link to the collection).
    const owner = parts.slice(0, parts.at(-2) === "collections" ? -2 : -1).join("/");
    this.stubs.referenceActor(owner, GROUP_PATH.test(withoutNamespace(owner)) ? "Group" : "Person");
    return owner;
  }

  private originOf(url: unknown): string | undefined {
    if (typeof url !== "string") return undefined;
    try {
      return new URL(url).origin;
    } catch {
      return undefined;
    }
  }

  /** Lets the stubs synthesize every actor that `doc` references (see stubs.ts). */
  private referenceActors(doc: any, parent?: any): void {
    if (!doc || typeof doc !== "object") return;
    if (Array.isArray(doc)) return doc.forEach((d) => this.referenceActors(d, parent));
    const person = (ids: string[], group = false) => {
      for (const id of ids) {
        if (!this.stubs.isStub(id) || id === PUBLIC || /\/followers$/.test(id)) continue;
        const isGroup = group || GROUP_PATH.test(withoutNamespace(id));
        this.stubs.referenceActor(id, isGroup ? "Group" : "Person");
      }
    };
    person(idsOf(doc.actor), doc.type === "Announce");
    if (!isActorType(doc.type)) person(idsOf(doc.attributedTo));
    for (const key of ["to", "cc", "bto", "bcc", "audience"]) person(idsOf(doc[key]));
    if (doc.type === "Follow" || doc.type === "Block") person(idsOf(doc.object), doc.type === "Follow");
    if (doc.type === "Mention") person(idsOf(doc.href));
    for (const key of ["object", "tag", "orderedItems", "items"]) this.referenceActors(doc[key], doc);
  }
}

function publishInner(scenario: Scenario, root: any, inner: any, origin: string | undefined): void {
  scenario.publish(inner["@context"] ? inner : { "@context": root["@context"] ?? AS_CONTEXT, ...inner }, origin);
}

/**
 * A live instance with the harness's stub servers in front of it, for test
 * files that deliver their own payloads (spoofing, mentions).  Lemmy's
 * context is the default, as Lemmy sends it.
 */
export async function startHarnessedInstance(env: Record<string, string> = {}): Promise<{
  instance: TestInstance;
  harness: ConformanceHarness;
  stop(): Promise<void>;
}> {
  const instance = await startInstance({ LOG_LEVEL: "error", ...env });
  const harness = await ConformanceHarness.start(instance, loadFixtures(FIXTURE_DIR), { defaultContext: LEMMY_CONTEXT });
  return {
    instance,
    harness,
    async stop() {
      await harness.close();
      await instance.stop();
    },
  };
}
