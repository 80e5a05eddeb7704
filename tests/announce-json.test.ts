/**
 * When a group may pass a member's activity on as it came (federation/
 * announce-json.ts): only when its `@context` cannot make the literal keys
 * that Lemmy or Mastodon read differ from the meaning the group checked.
 */
import { describe, expect, it } from "vitest";
import { plainContext } from "../federation/announce-json.ts";
import { EXTENSION_CONTEXT } from "../federation/json-ld-extensions.ts";

const AS = "https://www.w3.org/ns/activitystreams";

describe("plainContext", () => {
  it("accepts the contexts Mastodon, Lemmy, Fedify and Kindred write", () => {
    expect(plainContext([AS, "https://w3id.org/security/v1", {
      manuallyApprovesFollowers: "as:manuallyApprovesFollowers",
      toot: "http://joinmastodon.org/ns#",
      featured: { "@id": "toot:featured", "@type": "@id" },
      Hashtag: "as:Hashtag",
      sensitive: "as:sensitive",
      focalPoint: { "@container": "@list", "@id": "toot:focalPoint" },
    }])).toBe(true);
    expect(plainContext(["https://join-lemmy.org/context.json", AS])).toBe(true);
    expect(plainContext([AS, EXTENSION_CONTEXT])).toBe(true);
    expect(plainContext(AS)).toBe(true);
  });

  it("refuses a context that gives an ActivityStreams term another meaning, or aliases one", () => {
    expect(plainContext([AS, { to: "https://evil.example/ns#to" }])).toBe(false);
    expect(plainContext([AS, { recipients: "as:to" }])).toBe(false);
    expect(plainContext([AS, { content: { "@id": "https://evil.example/ns#c" } }])).toBe(false);
    expect(plainContext([AS, { "@vocab": "https://evil.example/ns#" }])).toBe(false);
    expect(plainContext([AS, { id: "@id" }])).toBe(false);
  });

  it("refuses a context every receiver would have to fetch from an unknown place, or none at all", () => {
    expect(plainContext([AS, "https://tracker.example/context.jsonld"])).toBe(false);
    expect(plainContext(undefined)).toBe(false);
    expect(plainContext([AS, 42])).toBe(false);
  });
});
