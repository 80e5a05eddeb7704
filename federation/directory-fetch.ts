/**
 * The one way the group directory reads a peer (federation/group-directory.ts):
 * NodeInfo and directory pages alike are fetched with a timeout on headers
 * and body, a size cap, no redirects, JSON only, and (unless
 * ALLOW_PRIVATE_ADDRESS) only when the peer's name resolves to public
 * addresses, checked before each request.
 */
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { signRequest } from "@fedify/fedify";
import type { Context } from "@fedify/fedify";
import { type ContextData, INSTANCE_ACTOR } from "./context.ts";
import { REMOTE_FETCH_TIMEOUT_MS } from "./remote-actors.ts";

/** Largest document (NodeInfo or directory page) we read. */
export const MAX_DIRECTORY_BYTES = 2 * 1024 * 1024;

/** A peer that answered 401, 403, 404 or 410: it does not let us list its groups (any more). */
export class DirectoryRefused extends Error {
  constructor(status: number) {
    super(`refused: HTTP ${status}`);
    this.name = "DirectoryRefused";
  }
}

// Two lists: a BlockList matches IPv4 addresses against IPv4-mapped IPv6 subnets too.
const PRIVATE_V4 = new BlockList();
const PRIVATE_V6 = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12],
  ["192.0.0.0", 24], ["192.0.2.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["198.51.100.0", 24],
  ["203.0.113.0", 24], ["224.0.0.0", 4], ["240.0.0.0", 4],
] as const) PRIVATE_V4.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [
  // (`::/96`: IPv4-compatible; 2002::/16 6to4 and 2001::/32 Teredo embed IPv4 addresses; fec0::/10 site-local.)
  ["::", 96], ["::1", 128], ["::ffff:0:0", 96], ["64:ff9b::", 96], ["64:ff9b:1::", 48], ["100::", 64], ["2001::", 32],
  ["2001:db8::", 32], ["2002::", 16], ["fc00::", 7], ["fe80::", 10], ["fec0::", 10], ["ff00::", 8],
] as const) PRIVATE_V6.addSubnet(net, prefix, "ipv6");

/** Whether `address` (an IP literal) is one a peer may not send us to. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 4) return PRIVATE_V4.check(address, "ipv4");
  // IPv4-mapped: the IPv4 address decides (::ffff:0:0/96 is in the IPv6 list for the other forms).
  if (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address)) return PRIVATE_V4.check(address.slice(7), "ipv4");
  return PRIVATE_V6.check(address, "ipv6");
}

/** Throws unless every address `url`'s host resolves to is public (DNS is asked again before each fetch). */
export async function assertPublicHost(url: URL, signal?: AbortSignal): Promise<void> {
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`not an HTTP URL: ${url.protocol}`);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const addresses = isIP(host) ? [host] : (await untilAborted(lookup(host, { all: true }), signal)).map((a) => a.address);
  if (addresses.length === 0 || addresses.some(isPrivateAddress)) throw new Error(`${url.host} is a private address`);
}

/** `promise`, or a rejection as soon as `signal` aborts (a resolver that does not answer). */
function untilAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal == null) return promise;
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    promise.then(resolve, reject);
  });
}

/**
 * GET `url` as a JSON object: `signed` by our instance actor (directory
 * pages) or not (NodeInfo); at most REMOTE_FETCH_TIMEOUT_MS (and `signal`),
 * at most MAX_DIRECTORY_BYTES, no redirects.
 */
export async function fetchDirectoryJson(
  ctx: Context<ContextData>,
  url: URL,
  options: { signed: boolean; signal: AbortSignal },
): Promise<Record<string, unknown>> {
  const signal = AbortSignal.any([options.signal, AbortSignal.timeout(REMOTE_FETCH_TIMEOUT_MS)]);
  let request = new Request(url, { headers: { accept: "application/json", "user-agent": `Kindred (+${ctx.origin})` } });
  if (options.signed) {
    const pairs = await ctx.getActorKeyPairs(INSTANCE_ACTOR);
    const pair = pairs.find((p) => p.privateKey.algorithm.name === "RSASSA-PKCS1-v1_5") ?? pairs[0];
    request = await signRequest(request, pair.privateKey, pair.keyId);
  }
  try {
    if (!ctx.data.allowPrivateAddress) await assertPublicHost(url, signal);
    const response = await fetch(request, { redirect: "manual", signal });
    if (response.status !== 200) {
      await response.body?.cancel();
      if ([401, 403, 404, 410].includes(response.status)) throw new DirectoryRefused(response.status);
      throw new Error(`HTTP ${response.status}`);
    }
    if (!/^application\/(?:[a-z.+-]*\+)?json\b/i.test(response.headers.get("content-type") ?? "")) {
      await response.body?.cancel();
      throw new Error("not JSON");
    }
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > MAX_DIRECTORY_BYTES) {
      await response.body?.cancel();
      throw new Error(`${url.pathname} too large`);
    }
    const reader = response.body!.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_DIRECTORY_BYTES) {
        await reader.cancel();
        throw new Error(`${url.pathname} too large`);
      }
      chunks.push(value);
    }
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.byteLength;
    }
    const document = JSON.parse(new TextDecoder().decode(bytes));
    if (document == null || typeof document !== "object" || Array.isArray(document)) throw new Error("not a JSON object");
    return document;
  } catch (error) {
    if (signal.aborted) throw new Error(`${url.pathname}: no complete answer in time`);
    throw error;
  }
}
