/**
 * The group directory across instances (issue 9, item 1), for our routes:
 * - the machine-readable document other instances fetch
 *   (`/directory.json`): our public groups whose managers let them be
 *   listed, never a private or local-only one;
 * - who may fetch it (servers only, on a verified HTTP signature, under the
 *   instance federation policy);
 * - the directory search of the web page and the API: local groups and the
 *   groups our peers list (federation/group-directory.ts fetches those).
 */
import { type Federation, verifyRequest } from "@fedify/fedify";
import type { Kysely } from "kysely";
import { listListedGroups, type RemoteDirectoryEntry, searchRemoteEntries } from "../db/directory.ts";
import type { Schema } from "../db/schema.ts";
import { type DirectoryEntry, searchGroups } from "../db/web-groups.ts";
import type { ContextData } from "../federation/context.ts";
import { DIRECTORY_PATH } from "../federation/group-directory.ts";
import { loadPolicy, mayFederateWith } from "../federation/instance-policy.ts";
import { hashtagName, normaliseLanguage, parseTagQuery, type TagQuery } from "../policy/condition-tags.ts";
import { signedLoader } from "../federation/remote-actors.ts";
import { sharedKeyCache, signatureKeyId } from "./federation-policy-guard.ts";
import { ValidationError } from "./names.ts";

/** Groups per page of the directory document. */
export const DOCUMENT_PAGE = 100;

function plainText(markdown: string, max: number): string {
  const text = markdown.replace(/[#*_`>\[\]()]/g, "").replace(/\s+/g, " ").trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** One page of our directory document (docs/FEDERATION.md, "Group directory"). */
export async function directoryDocument(db: Kysely<Schema>, origin: URL, after?: number) {
  const rows = await listListedGroups(db, { after, limit: DOCUMENT_PAGE + 1 });
  const page = rows.slice(0, DOCUMENT_PAGE);
  return {
    type: "KindredGroupDirectory",
    version: 1,
    server: origin.host,
    generatedAt: new Date().toISOString(),
    groups: page.map((g) => {
      const id = new URL(`/@${g.slug}`, origin).href;
      return {
        id,
        url: id,
        handle: `@${g.slug}@${origin.host}`,
        name: g.name,
        summary: plainText(g.summary_source, 500),
        conditionTags: g.condition_tags.map((t) => ({ code: t.code, label: t.label, hashtag: `#${hashtagName(t.code)}` })),
        languages: g.languages,
        memberCount: g.member_count,
        postsLast30Days: g.posts_30d,
        lastActivity: g.last_activity_at?.toISOString() ?? null,
        joinPolicy: g.join_policy,
        sensitive: g.sensitive,
        audience: g.audience,
      };
    }),
    next: rows.length > DOCUMENT_PAGE
      ? new URL(`${DIRECTORY_PATH}?after=${page[page.length - 1].group_id}`, origin).href
      : null,
  };
}

export interface DirectoryRefusal {
  status: 401 | 403;
  error: string;
}

const UNSIGNED = "Sign this request with your instance actor's key (HTTP Signatures): the directory document is for " +
  "servers. People can browse the public directory at /groups.";


/**
 * Whether the directory document may be served for `request`, under the
 * instance federation policy.  Always on a verified HTTP signature (our own
 * fetcher always signs): unsigned 401 (people have /groups); a server the
 * policy excludes (blocked; in allowlist mode, not allowed) 403 before its
 * key is fetched; a signature that does not verify, or a key that is not
 * on its key id's origin, 401; closed mode 403 for everyone.  The key is
 * fetched from the key id's origin only, under the policy, within
 * REMOTE_FETCH_TIMEOUT_MS, and cached.
 */
export async function directoryRefusal(
  request: Request,
  federation: Federation<ContextData>,
  contextData: ContextData,
): Promise<DirectoryRefusal | null> {
  const db = contextData.db;
  const policy = await loadPolicy(db);
  if (policy.mode === "closed") return { status: 403, error: "This instance federates with no one." };
  const keyId = signatureKeyId(request.headers);
  if (keyId == null) return { status: 401, error: UNSIGNED };
  if (!URL.canParse(keyId)) return { status: 401, error: "The signature's key id is not a URL." };
  const keyUrl = new URL(keyId);
  if (keyUrl.protocol !== "https:" && keyUrl.protocol !== "http:") {
    return { status: 401, error: "The signature's key id is not an HTTP URL." };
  }
  if (!await mayFederateWith(db, keyUrl)) return { status: 403, error: "This instance does not federate with your server." };
  const ctx = federation.createContext(request, contextData);
  const loader = await signedLoader(ctx);
  const key = await verifyRequest(request, {
    // Only the key id's own origin is fetched (signedLoader: the policy and a timeout).
    documentLoader: (url, options) => {
      if (!URL.canParse(url) || new URL(url).origin !== keyUrl.origin) {
        return Promise.reject(new Error(`key document off the key id's origin: ${url}`));
      }
      return loader(url, options);
    },
    contextLoader: ctx.contextLoader,
    keyCache: sharedKeyCache,
  }).catch(() => null);
  if (key == null) return { status: 401, error: "The request's signature does not verify." };
  // The key and its owner are on the origin the policy decision was made for.
  if (key.id?.origin !== keyUrl.origin || key.ownerId == null || key.ownerId.origin !== keyUrl.origin) {
    return { status: 401, error: "The signing key is not its server's own." };
  }
  return null;
}

export interface DirectoryFilters {
  /** The condition filter as typed (a code, or words of a label). */
  tagText: string;
  tag: TagQuery;
  /** A language tag, canonical, or "" for any. */
  language: string;
}

/** The directory's filters from a query string; a language that is no language tag is an error. */
export function directoryFilters(tag: string | undefined, language: string | undefined): DirectoryFilters {
  const tagText = (tag ?? "").trim().slice(0, 100);
  const languageText = (language ?? "").trim();
  const canonical = languageText ? normaliseLanguage(languageText) : "";
  if (canonical == null) {
    throw new ValidationError("language", `“${languageText.slice(0, 20)}” is not a language tag: use BCP 47, for example en, fr or pt-BR`);
  }
  return { tagText, tag: parseTagQuery(tagText), language: canonical };
}

export interface DirectorySearch {
  local: DirectoryEntry[];
  remote: RemoteDirectoryEntry[];
}

/** Local groups and groups on other instances that answer the filters. */
export async function searchDirectory(
  db: Kysely<Schema>,
  filters: DirectoryFilters,
  options: { query?: string; withLocalOnly: boolean; after?: number; limit: number },
): Promise<DirectorySearch> {
  const local = await searchGroups(db, options.query, {
    withLocalOnly: options.withLocalOnly,
    after: options.after,
    limit: options.limit,
    tag: filters.tag ?? undefined,
    language: filters.language || undefined,
  });
  // Groups on other instances show once something is filtered, or on the first page; a peer the
  // policy excludes now (a block since the last refresh) shows nothing, at once.
  const found = options.after == null
    ? await searchRemoteEntries(db, {
      tag: filters.tag,
      language: filters.language || undefined,
      text: options.query?.trim() || undefined,
      limit: options.limit,
    })
    : [];
  const remote: RemoteDirectoryEntry[] = [];
  for (const entry of found) {
    if (await mayFederateWith(db, entry.actor_uri)) remote.push(entry);
  }
  return { local, remote };
}
