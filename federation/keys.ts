/**
 * Key pairs of local actors: RSA-2048 (what Mastodon uses, and a quarter of
 * the signing cost of Fedify's default RSA-4096) for HTTP Signatures, and
 * Ed25519 for Object Integrity Proofs.  Generated once, kept in the
 * database, and cached in memory once imported: every delivery is signed,
 * and re-importing a JWK each time costs more than the signature.
 */
import { importJwk } from "@fedify/fedify";
import type { Kysely } from "kysely";
import { loadKeyPairs, saveKeyPairs, type StoredKeyPair } from "../db/keys.ts";
import type { Schema } from "../db/schema.ts";

// Per database (several instances share a process in tests), then per owner.
const caches = new WeakMap<object, Map<string, Promise<CryptoKeyPair[]>>>();
const CACHE_LIMIT = 10_000;

/** A new RSA-2048 and Ed25519 pair, exported as JWK for storage. */
export async function generateKeyPairs(): Promise<StoredKeyPair[]> {
  const rsa = await crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    true,
    ["sign", "verify"],
  );
  const ed = await crypto.subtle.generateKey("Ed25519", true, ["sign", "verify"]) as CryptoKeyPair;
  const pairs: StoredKeyPair[] = [];
  for (const [algorithm, pair] of [["RSASSA-PKCS1-v1_5", rsa], ["Ed25519", ed]] as const) {
    pairs.push({
      algorithm,
      publicJwk: await crypto.subtle.exportKey("jwk", pair.publicKey),
      privateJwk: await crypto.subtle.exportKey("jwk", pair.privateKey),
    });
  }
  return pairs;
}

/** Generates and stores key pairs for `owner` unless it has them already. */
export async function ensureKeyPairs(db: Kysely<Schema>, owner: string): Promise<void> {
  const existing = await loadKeyPairs(db, owner);
  if (existing.length >= 2) return;
  const have = new Set(existing.map((p) => p.algorithm));
  await saveKeyPairs(db, owner, (await generateKeyPairs()).filter((p) => !have.has(p.algorithm)));
}

async function load(db: Kysely<Schema>, owner: string): Promise<CryptoKeyPair[]> {
  let stored = await loadKeyPairs(db, owner);
  if (stored.length < 2) {
    await ensureKeyPairs(db, owner);
    stored = await loadKeyPairs(db, owner);
  }
  return Promise.all(stored.map(async (p) => ({
    publicKey: await importJwk(p.publicJwk, "public"),
    privateKey: await importJwk(p.privateJwk, "private"),
  })));
}

/** The owner's key pairs, RSA first; created on first use. */
export function getKeyPairs(db: Kysely<Schema>, owner: string): Promise<CryptoKeyPair[]> {
  let cache = caches.get(db);
  if (!cache) caches.set(db, cache = new Map());
  let pairs = cache.get(owner);
  if (!pairs) {
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    pairs = load(db, owner);
    // A failed load must not stick in the cache.
    pairs.catch(() => cache!.delete(owner));
    cache.set(owner, pairs);
  }
  return pairs;
}

export const keyOwner = {
  group: (id: number) => `group:${id}`,
  account: (id: number) => `account:${id}`,
  instance: "instance",
} as const;
