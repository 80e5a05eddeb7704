/** Storage of local actors' key pairs (as JWK). */
import type { Kysely, Transaction } from "kysely";
import { jsonb } from "./json.ts";
import type { Schema } from "./schema.ts";

export type KeyAlgorithm = "RSASSA-PKCS1-v1_5" | "Ed25519";

export interface StoredKeyPair {
  algorithm: KeyAlgorithm;
  publicJwk: JsonWebKey;
  privateJwk: JsonWebKey;
}

export async function loadKeyPairs(db: Kysely<Schema>, owner: string): Promise<StoredKeyPair[]> {
  const rows = await db.selectFrom("actor_keys")
    .select(["algorithm", "public_jwk", "private_jwk"])
    .where("owner", "=", owner)
    // RSA first: it is what most servers verify, so it is the main key.
    .orderBy("algorithm", "desc")
    .execute();
  return rows.map((r) => ({ algorithm: r.algorithm, publicJwk: r.public_jwk, privateJwk: r.private_jwk }));
}

/**
 * Stores key pairs unless the owner already has one of that algorithm
 * (two processes generating at once keep the first).
 */
export async function saveKeyPairs(
  db: Kysely<Schema> | Transaction<Schema>,
  owner: string,
  pairs: StoredKeyPair[],
): Promise<void> {
  if (pairs.length === 0) return;
  await db.insertInto("actor_keys").values(pairs.map((p) => ({
    owner,
    algorithm: p.algorithm,
    public_jwk: jsonb(p.publicJwk),
    private_jwk: jsonb(p.privateJwk),
  }))).onConflict((oc) => oc.columns(["owner", "algorithm"]).doNothing()).execute();
}
