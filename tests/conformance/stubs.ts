/**
 * Stub "remote servers" for the conformance harness: one plain `node:http`
 * server on 127.0.0.1 per original host.  Together they serve one store of
 * documents keyed by their (rewritten) URL, record every POST they receive,
 * and hold the RSA keys of the remote actors.
 *
 * What a GET answers, in order:
 * 1. a document put in the store (fixture objects, activities replayed so
 *    far and the objects they embed: what the origin would serve now),
 *    actors with `publicKey.publicKeyPem` replaced by the harness's key;
 *    Tombstones with 410;
 * 2. the same, with repeated slashes collapsed (lotide's key ids are
 *    `https://narwhal.city//users/3#main-key`);
 * 3. a synthesized actor, for URLs the payloads reference as actors but no
 *    fixture describes (see `synthesizeActor`);
 * 4. 404.  Objects are never synthesized: a scenario that needs one no
 *    fixture holds (a thread to reply to, a post to delete) writes it out
 *    as a `seed` in the expectation table.
 *
 * With the shared fixture set, these actors are synthesized (`synthesized`
 * records them): the Lemmy test accounts (ds9 lemmy_alpha, lemmy_user,
 * nutomic; enterprise lemmy_beta, nutomic; lemmy-alpha's lemmy_aplha and
 * lemmy_alpha; lemmy.ml's lemmy), the communities enterprise/c/main,
 * ds9/c/main, ds9/c/testcom and Mbin's m/someMag, lotide's b.tide.tk,
 * c.tide.tk, dev.narwhal.city, narwhal.city/users/1 and ltthostname users,
 * and the Mastodon-side accounts felix, asonix, LemmyDev, nutomic on
 * mastodon.world, floss.social's kde, mastodon.example/actor and Mbin's
 * BentiGorlich.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";

export interface Received {
  url: string;
  json: any;
  headers: Record<string, string | string[] | undefined>;
}

export type SynthesizedType = "Person" | "Group";

const ACTOR_TYPES = new Set(["Person", "Group", "Application", "Service", "Organization"]);
/** Collections an actor document links to by name, when the store holds one at `<actor>/<name>`. */
const COLLECTION_LINKS: Record<string, string> = {
  outbox: "outbox",
  followers: "followers",
  following: "following",
  featured: "featured",
  moderators: "attributedTo",
};

export function isActorType(type: unknown): boolean {
  return typeof type === "string" && ACTOR_TYPES.has(type);
}

export async function exportPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey("spki", key)).toString("base64");
  return `-----BEGIN PUBLIC KEY-----\n${der.match(/.{1,64}/g)!.join("\n")}\n-----END PUBLIC KEY-----\n`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => (text += chunk));
    req.on("end", () => resolve(text));
    req.on("error", reject);
  });
}

export class StubNetwork {
  readonly ports = new Map<string, number>();
  readonly received: Received[] = [];
  /** URLs answered with a synthesized actor (for the record). */
  readonly synthesized = new Set<string>();
  private readonly servers: Server[] = [];
  private readonly docs = new Map<string, { json: any; status: number }>();
  private readonly actorRefs = new Map<string, SynthesizedType>();
  private readonly keys = new Map<string, Promise<CryptoKeyPair>>();

  /**
   * `keyIdentity` maps an actor URL to the identity its key is cached under
   * (the harness drops the scenario prefix, so that an actor keeps one key
   * across scenarios and fewer keys are generated).
   */
  constructor(private readonly keyIdentity: (url: string) => string = (u) => u) {}

  /** Starts one server per host (lower case, with port if any). */
  async listen(hosts: Iterable<string>): Promise<void> {
    for (const host of hosts) {
      if (this.ports.has(host)) continue;
      const server = createServer((req, res) => {
        const port = (server.address() as { port: number }).port;
        this.handle(`http://127.0.0.1:${port}${req.url}`, req).then(({ status, body, type }) => {
          res.writeHead(status, body == null ? {} : { "Content-Type": type });
          res.end(body);
        }, (error) => {
          res.writeHead(500, { "Content-Type": "text/plain" });
          res.end(String(error));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      this.servers.push(server);
      this.ports.set(host, (server.address() as { port: number }).port);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise((r) => {
      s.closeAllConnections();
      s.close(r);
    })));
  }

  /** Whether `url` is served by one of the stubs. */
  isStub(url: string): boolean {
    const m = /^http:\/\/127\.0\.0\.1:(\d+)\//.exec(url);
    return m != null && [...this.ports.values()].includes(Number(m[1]));
  }

  /** Serves `json` at `url` from now on (Tombstones with 410). */
  put(url: string, json: any, status?: number): void {
    this.docs.set(url, { json, status: status ?? (json?.type === "Tombstone" ? 410 : 200) });
  }

  /** The stored document at `url`, if any (not synthesized). */
  get(url: string): any {
    return this.docs.get(url)?.json;
  }

  /** Lets `url` be served as a synthesized actor of `type` when no document is stored there. */
  referenceActor(url: string, type: SynthesizedType): void {
    if (this.actorRefs.get(url) !== "Group") this.actorRefs.set(url, type);
  }

  keyPair(actorUrl: string): Promise<CryptoKeyPair> {
    const identity = this.keyIdentity(actorUrl);
    let pair = this.keys.get(identity);
    if (!pair) {
      pair = crypto.subtle.generateKey(
        { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
        true,
        ["sign", "verify"],
      ) as Promise<CryptoKeyPair>;
      this.keys.set(identity, pair);
    }
    return pair;
  }

  /** The document served at `url` (stored or synthesized), keys filled in; undefined for 404. */
  async document(url: string): Promise<{ json: any; status: number } | undefined> {
    const stored = this.docs.get(url) ?? this.docs.get(url.replace(/(?<!:)\/{2,}/g, "/"));
    if (stored) return { json: await this.withKey(stored.json), status: stored.status };
    const type = this.actorRefs.get(url);
    if (type) {
      this.synthesized.add(url);
      return { json: await this.withKey(this.synthesizeActor(url, type)), status: 200 };
    }
    return undefined;
  }

  /** The key id that `actorUrl`'s document names (fixtures use `#main-key`, `#key`, ...). */
  async keyIdOf(actorUrl: string): Promise<string> {
    const doc = (await this.document(actorUrl))?.json;
    return doc?.publicKey?.id ?? `${actorUrl}#main-key`;
  }

  /** Deliveries received by stubs, optionally only those whose body matches. */
  deliveries(filter: (r: Received) => boolean = () => true): Received[] {
    return this.received.filter(filter);
  }

  /**
   * A minimal actor for a URL that the payloads only reference: a Person or
   * Group with inbox, outbox (and followers for groups), the shared inbox of
   * its origin, a key, and links to collections the store holds below it.
   */
  synthesizeActor(url: string, type: SynthesizedType): any {
    const u = new URL(url);
    const name = decodeURIComponent(u.pathname.split("/").filter(Boolean).pop() ?? u.host);
    const prefix = u.pathname.split("/")[1];
    const doc: Record<string, unknown> = {
      "@context": [
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        { toot: "http://joinmastodon.org/ns#", featured: { "@id": "toot:featured", "@type": "@id" } },
      ],
      id: url,
      type,
      preferredUsername: name,
      name,
      inbox: `${url}/inbox`,
      outbox: `${url}/outbox`,
      endpoints: { sharedInbox: `${u.origin}/${prefix}/inbox` },
      publicKey: { id: `${url}#main-key`, owner: url, publicKeyPem: "" },
    };
    if (type === "Group") doc.followers = `${url}/followers`;
    for (const [segment, property] of Object.entries(COLLECTION_LINKS)) {
      for (const link of [`${url}/${segment}`, `${url}/collections/${segment}`]) {
        if (this.docs.has(link)) doc[property] = link;
      }
    }
    return doc;
  }

  private async withKey(json: any): Promise<any> {
    if (!isActorType(json?.type) || !json.publicKey) return json;
    const owner = json.publicKey.owner ?? json.id;
    const pem = await exportPem((await this.keyPair(owner)).publicKey);
    return { ...json, publicKey: { ...json.publicKey, publicKeyPem: pem } };
  }

  private async handle(url: string, req: IncomingMessage) {
    if (req.method === "POST") {
      const text = await readBody(req);
      let json: unknown = null;
      try {
        json = JSON.parse(text);
      } catch {
        // recorded as null
      }
      this.received.push({ url, json, headers: req.headers });
      return { status: 202, body: undefined, type: "" };
    }
    const found = await this.document(url);
    if (!found) return { status: 404, body: "not found", type: "text/plain" };
    const isContext = found.json && "@context" in found.json && Object.keys(found.json).length === 1;
    return {
      status: found.status,
      body: JSON.stringify(found.json),
      type: isContext ? "application/ld+json" : "application/activity+json",
    };
  }
}
