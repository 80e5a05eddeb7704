/**
 * Attack corpus: content.  XSS and mutation XSS in posts' content, thread
 * titles, content warnings, remote actors' names and summaries and
 * attachments; script URLs (javascript:, data:, vbscript:, entity- and
 * whitespace-obfuscated); srcset, style and event-handler attributes;
 * SVG/MathML namespace confusion; bidi controls and look-alike names.
 * They arrive from a remote server (signed Creates into a local group) and
 * from a local member (API and web form).  Each case checks the status, that
 * what is stored holds no executable markup, that the page serving it holds
 * none (parsed, not grepped), and that the server still answers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findActorByUri } from "../../db/actors.ts";
import { PUBLIC } from "../conformance/harness.ts";
import { AS_CONTEXT } from "../conformance/load.ts";
import { apiOk, api } from "../helpers/federation.ts";
import { elementsWith, scriptDangers, textOf } from "../helpers/html-safety.ts";
import { ALPHA, DS9, MAIN, startTarget, type Target } from "../helpers/security.ts";
import { WebClient } from "../helpers/web.ts";

let t: Target;
let groupId = 0;
let slug = "";
beforeAll(async () => {
  t = await startTarget({ LOG_LEVEL: "fatal" });
  const group = await findActorByUri(t.instance.kindred.database.db, t.s.group);
  groupId = group!.id;
  slug = group!.username;
  await apiOk(t.harness.member, "POST", "/groups/follow", { handle: slug });
}, 120_000);
afterAll(() => t?.stop());

/** Every trick, each a string that could land in any field. */
const PAYLOADS: [string, string][] = [
  ["script tag", "<script>alert(1)</script>"],
  ["img onerror", "<img src=x onerror=alert(1)>"],
  ["svg onload", "<svg onload=alert(1)>"],
  ["svg script", "<svg><script>alert(1)</script></svg>"],
  ["javascript: link", '<a href="javascript:alert(1)">click</a>'],
  ["JaVaScRiPt: with entities", '<a href="&#106;&#97;vascript&#58;alert(1)">x</a>'],
  ["javascript: with a tab", '<a href="java\tscript:alert(1)">x</a>'],
  ["javascript: with leading spaces", '<a href="   javascript:alert(1)">x</a>'],
  ["data: link", '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>'],
  ["vbscript: link", '<a href="vbscript:msgbox(1)">x</a>'],
  ["event handler on an allowed tag", '<p onclick="alert(1)" onmouseover="alert(1)">hover</p>'],
  ["style attribute", '<p style="background:url(javascript:alert(1))">styled</p>'],
  ["style element", "<style>@import 'javascript:alert(1)';</style>"],
  ["img srcset", '<img srcset="javascript:alert(1) 1x">'],
  ["iframe srcdoc", '<iframe srcdoc="<script>alert(1)</script>"></iframe>'],
  ["object data", '<object data="javascript:alert(1)"></object>'],
  ["form action", '<form action="javascript:alert(1)"><button>go</button></form>'],
  ["base href", '<base href="javascript:alert(1)//">'],
  ["meta refresh", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'],
  ["mXSS: noscript", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'],
  ["mXSS: svg style confusion", '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">'],
  ["mXSS: math mglyph", "<math><mtext><table><mglyph><style><!--</style><img title=\"--&gt;&lt;img src=1 onerror=alert(1)&gt;\">"],
  ["mXSS: table foster parenting", "<table><a href='javascript:alert(1)'>x<td>y</td></a></table>"],
  ["mXSS: nested td", "<td><svg><td><img src=x onerror=alert(1)>"],
  ["mXSS: comment in attribute", '<a title="<!--"><img src=x onerror=alert(1)>-->">'],
  ["mXSS: template", "<template><script>alert(1)</script></template>"],
  ["mXSS: xmp", "<xmp><img src=x onerror=alert(1)></xmp>"],
  ["CDATA in HTML", "<![CDATA[><img src=x onerror=alert(1)>]]>"],
  ["attribute breakout quote", '" onmouseover="alert(1)'],
  ["attribute breakout angle", "'><img src=x onerror=alert(1)>"],
  ["unclosed tag", "<img src=x onerror=alert(1)//"],
  ["entity-encoded tag", "&lt;script&gt;alert(1)&lt;/script&gt;"],
  ["double-encoded", "&amp;lt;img src=x onerror=alert(1)&amp;gt;"],
  ["null byte", "<scr\u0000ipt>alert(1)</scr\u0000ipt>"],
  ["protocol-relative link", '<a href="//evil.example/">x</a>'],
];

let n = 0;
/** Delivers a Create of a Page by `author` with these fields; returns its status and stored row. */
async function remotePost(fields: Record<string, unknown>, author = ALPHA) {
  const id = `${DS9}/post/content-${++n}`;
  const status = await t.s.seed({ id, type: "Page", attributedTo: author, to: [MAIN, PUBLIC], audience: MAIN, ...fields });
  const row = await t.instance.kindred.database.db.selectFrom("posts").selectAll()
    .where("uri", "=", t.s.uri(id)).executeTakeFirst();
  return { status, row };
}

async function page(path: string) {
  const res = await fetch(new URL(path, t.instance.url), { headers: { Accept: "text/html" } });
  return { status: res.status, html: await res.text() };
}

async function alive() {
  expect((await fetch(new URL("/healthz", t.instance.url))).status).toBe(200);
}

/** The stored row and the pages that show it hold nothing executable. */
async function safeEverywhere(postId: number) {
  const db = t.instance.kindred.database.db;
  const row = await db.selectFrom("posts").select(["content_html", "title", "summary"]).where("id", "=", postId).executeTakeFirstOrThrow();
  expect(scriptDangers(row.content_html), "stored content").toEqual([]);
  for (const path of [`/p/${postId}`, `/@${slug}`]) {
    const { status, html } = await page(path);
    expect(status, path).toBe(200);
    expect(scriptDangers(html), path).toEqual([]);
  }
  await alive();
}

describe("XSS from a remote server (signed Create into a group): stored sanitised, served inert", () => {
  it.each(PAYLOADS)("%s in content, title and content warning", async (_name, payload) => {
    const { status, row } = await remotePost({ name: `Title ${payload}`, content: `<p>Body ${payload}</p>`, summary: payload });
    if (payload.includes("\u0000")) {
      // PostgreSQL cannot store NUL: the inbound guard refuses the body with 400 before any handler runs.
      expect(status).toBe(400);
      expect(row).toBeUndefined();
      return await alive();
    }
    expect(status).toBe(202);
    expect(row, "stored").toBeDefined();
    await safeEverywhere(row!.id);
  });

  it.each(PAYLOADS.slice(0, 12))("%s in attachment names and urls", async (_name, payload) => {
    const { status, row } = await remotePost({
      name: "With attachments", content: "<p>see attached</p>",
      attachment: [
        { type: "Link", href: "javascript:alert(1)", name: payload },
        { type: "Document", url: "javascript:alert(1)", name: payload, mediaType: "image/png" },
        { type: "Image", url: "data:image/svg+xml,<svg onload=alert(1)>", name: payload },
      ],
    });
    expect(status).toBe(202);
    expect(row).toBeDefined();
    await safeEverywhere(row!.id);
  });
});

describe("XSS in a remote actor's name and summary", () => {
  it.each(PAYLOADS.slice(0, 20))("%s", async (_name, payload) => {
    const actor = t.s.uri(`${DS9}/u/xss_${++n}`);
    t.s.stubs.put(actor, {
      "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
      id: actor, type: "Person", preferredUsername: `xss_${n}`, name: `Eve ${payload}`, summary: `<p>${payload}</p>`,
      inbox: `${actor}/inbox`, publicKey: { id: `${actor}#main-key`, owner: actor, publicKeyPem: "" },
    });
    const id = `${actor.replace(/\/u\/.*$/, "")}/post/by-${n}`;
    const status = await t.s.deliver({
      "@context": AS_CONTEXT, id: `${id}#create`, type: "Create", actor, to: [t.s.group, PUBLIC],
      object: { id, type: "Page", attributedTo: actor, name: "Hello", content: "<p>hi</p>", to: [t.s.group, PUBLIC], audience: t.s.group },
    });
    expect(status).toBe(202);
    const db = t.instance.kindred.database.db;
    const stored = await db.selectFrom("actors").select(["name", "summary_html"]).where("uri", "=", actor).executeTakeFirstOrThrow();
    expect(scriptDangers(stored.summary_html ?? ""), "stored summary").toEqual([]);
    const post = await db.selectFrom("posts").select("id").where("uri", "=", id).executeTakeFirstOrThrow();
    await safeEverywhere(post.id);
  });
});

describe("XSS from a local member", () => {
  it.each(PAYLOADS)("%s through the API (title, body, content warning)", async (_name, payload) => {
    const { status, json } = await api(t.harness.member, "POST", `/groups/${groupId}/threads`, {
      title: `T ${payload}`.slice(0, 200), body: `Body ${payload}`, summary: payload.slice(0, 200),
    });
    if (payload.includes("\u0000")) {
      // A control character is refused with a message; nothing is stored.
      expect([400, 422]).toContain(status);
      expect(json.error).toMatch(/control characters/);
      return await alive();
    }
    expect(status).toBe(201);
    await safeEverywhere(json.post.id);
  });

  it("through the web form, every payload in one thread and a reply", async () => {
    const web = new WebClient(t.instance);
    await web.signUp("webxss");
    await web.post(`/g/${groupId}/join`, {}, (await web.get(`/@${slug}`)).html);
    const all = PAYLOADS.map(([, p]) => p).filter((p) => !p.includes("\u0000")).join("\n\n");
    const form = await web.get(`/g/${groupId}/new`);
    expect(form.status).toBe(200);
    const posted = await web.post(`/g/${groupId}/new`, { title: "Web payloads", body: all, summary: PAYLOADS[1][1], action: "post" }, form.html);
    expect(posted.url.pathname, `${posted.status} ${posted.html.match(/class="(?:problems|notice|error)[^"]*"[^>]*>[\s\S]{0,300}/)?.[0]}`).toMatch(/^\/posts\/\d+$/);
    const id = Number(posted.url.pathname.split("/")[2]);
    expect(scriptDangers(posted.html)).toEqual([]);
    const reply = await web.post(`/p/${id}/reply`, { body: all, summary: PAYLOADS[0][1], action: "post" }, posted.html);
    expect(scriptDangers(reply.html)).toEqual([]);
    await safeEverywhere(id);
  });
});

describe("bidi controls and look-alike names", () => {
  const SPOOFS: [string, string, string][] = [
    ["RLO in the display name", "Dr Smith \u202Egro.elpmaxe@nimda", "alice"],
    ["RLI/PDI in the display name", "\u2067admin\u2069", "bob"],
    ["RLO in the username", "Carol", "carol\u202Eevil"],
    ["Cyrillic а in the username (admin)", "Admin", "\u0430dmin"],
    ["Greek ο in the display name", "Mοderator", "dan"],
    ["zero-width joiner", "mod\u200Derator", "erin"],
  ];
  it.each(SPOOFS)("%s: isolated with <bdi>, host shown, flagged", async (_name, displayName, username) => {
    const actor = t.s.uri(`${DS9}/u/spoof_${++n}`);
    t.s.stubs.put(actor, {
      "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
      id: actor, type: "Person", preferredUsername: username, name: displayName,
      inbox: `${actor}/inbox`, publicKey: { id: `${actor}#main-key`, owner: actor, publicKeyPem: "" },
    });
    const id = `${actor.replace(/\/u\/.*$/, "")}/post/spoof-${n}`;
    expect(await t.s.deliver({
      "@context": AS_CONTEXT, id: `${id}#create`, type: "Create", actor, to: [t.s.group, PUBLIC],
      object: { id, type: "Page", attributedTo: actor, name: "Hi", content: "<p>hi</p>", to: [t.s.group, PUBLIC], audience: t.s.group },
    })).toBe(202);
    const db = t.instance.kindred.database.db;
    const post = await db.selectFrom("posts").select("id").where("uri", "=", id).executeTakeFirstOrThrow();
    const { html } = await page(`/p/${post.id}`);
    const bdis = [...elementsWith(html, "bdi")];
    expect(bdis.map(textOf)).toEqual(expect.arrayContaining([displayName, `@${username}@${new URL(actor).host}`]));
    const flags = elementsWith(html, "span").filter((s) => s.attribs?.class === "badge lookalike");
    expect(flags.length, "flagged as a look-alike").toBeGreaterThan(0);
    await alive();
  });

  it("control: an honest name is isolated but not flagged", async () => {
    const { row } = await remotePost({ name: "Honest", content: "<p>hello</p>" });
    const { html } = await page(`/p/${row!.id}`);
    expect(elementsWith(html, "bdi").length).toBeGreaterThan(0);
    expect(elementsWith(html, "span").filter((s) => s.attribs?.class === "badge lookalike")).toEqual([]);
  });

  it("control: the checker sees markup that would run", () => {
    expect(scriptDangers('<p><img src=x onerror=alert(1)></p>')).not.toEqual([]);
    expect(scriptDangers('<a href=" javascript:alert(1)">x</a>')).not.toEqual([]);
    expect(scriptDangers("<svg><script>alert(1)</script></svg>")).not.toEqual([]);
  });
});
