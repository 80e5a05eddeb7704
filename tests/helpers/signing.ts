/**
 * A hand-rolled draft-cavage HTTP signature, for attack tests that need what
 * Fedify's `signRequest` will not produce: a chosen list of covered headers,
 * an old or future `Date`, a `Digest` of another body.
 */
import { createHash } from "node:crypto";

export interface CavageOptions {
  url: string;
  body: string;
  privateKey: CryptoKey;
  keyId: string;
  /** Headers the signature covers (default: Fedify's list). */
  covered?: string[];
  /** The Date header (default: now). */
  date?: Date | string;
  /** The Digest header (default: SHA-256 of `body`); null leaves it out. */
  digest?: string | null;
  /** Extra headers, sent but not necessarily covered. */
  headers?: Record<string, string>;
  /** Overrides the `algorithm` parameter. */
  algorithm?: string;
}

export function sha256Digest(body: string): string {
  return `SHA-256=${createHash("sha256").update(body).digest("base64")}`;
}

export async function cavageRequest(o: CavageOptions): Promise<Request> {
  const url = new URL(o.url);
  const headers = new Headers({
    "Content-Type": "application/activity+json",
    Accept: "application/activity+json",
    Host: url.host,
    Date: typeof o.date === "string" ? o.date : (o.date ?? new Date()).toUTCString(),
    ...o.headers,
  });
  const digest = o.digest === undefined ? sha256Digest(o.body) : o.digest;
  if (digest != null) headers.set("Digest", digest);
  const covered = o.covered ?? ["(request-target)", "accept", "content-type", "date", "digest", "host"];
  const lines = covered.map((name) =>
    name === "(request-target)" ? `(request-target): post ${url.pathname}` : `${name}: ${headers.get(name) ?? ""}`
  );
  const signature = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", o.privateKey, new TextEncoder().encode(lines.join("\n")));
  headers.set("Signature", [
    `keyId="${o.keyId}"`,
    `algorithm="${o.algorithm ?? "rsa-sha256"}"`,
    `headers="${covered.join(" ")}"`,
    `signature="${Buffer.from(signature).toString("base64")}"`,
  ].join(","));
  return new Request(url, { method: "POST", headers, body: o.body });
}

export async function rsaKeyPair(): Promise<CryptoKeyPair> {
  return await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  ) as CryptoKeyPair;
}
