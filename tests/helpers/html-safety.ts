/**
 * Parses a served page (htmlparser2, entities decoded) and lists whatever in
 * it could run script: script-capable elements, event handlers, inline
 * styles, script URLs.  The page's own same-origin scripts and styles
 * (`<script src="/…">`, `<link rel="stylesheet" href="/…">`) are allowed.
 */
import { parseDocument } from "htmlparser2";

type Node = { type: string; name?: string; attribs?: Record<string, string>; children?: Node[] };

function* elements(node: Node): Generator<Node> {
  if (node.type === "tag" || node.type === "script" || node.type === "style") yield node;
  for (const child of node.children ?? []) yield* elements(child);
}

const FORBIDDEN = new Set(["iframe", "frame", "object", "embed", "svg", "math", "base", "applet", "portal", "img", "video",
  "audio", "source", "picture", "image", "use", "animate", "set", "foreignobject", "mglyph", "xmp", "noembed", "template"]);
const URL_ATTRS = new Set(["href", "src", "action", "formaction", "xlink:href", "data", "background", "poster", "srcset", "ping"]);
const SCRIPT_URL = /^(?:javascript|vbscript|data|file):/i;

export function scriptDangers(html: string): string[] {
  const found: string[] = [];
  for (const el of elements(parseDocument(html, { decodeEntities: true }) as unknown as Node)) {
    const name = el.name!.toLowerCase();
    const attribs = el.attribs ?? {};
    if (name === "script" && !(attribs.src ?? "").startsWith("/")) found.push("inline <script>");
    else if (name === "style") found.push("<style>");
    else if (name === "link" && !(attribs.href ?? "").startsWith("/")) found.push(`<link href=${attribs.href}>`);
    else if (name === "meta" && attribs["http-equiv"]) found.push(`<meta http-equiv=${attribs["http-equiv"]}>`);
    else if (FORBIDDEN.has(name)) found.push(`<${name}>`);
    for (const [attr, value] of Object.entries(attribs)) {
      const a = attr.toLowerCase();
      if (a.startsWith("on")) found.push(`${a}= on <${name}>`);
      if (a === "style" || a === "srcset" || a === "srcdoc") found.push(`${a}= on <${name}>`);
      if (URL_ATTRS.has(a) && SCRIPT_URL.test(value.replace(/[\u0000-\u0020]/g, ""))) found.push(`${a}=${value}`);
    }
  }
  return found;
}

/** The text of the elements matching `name` with `attr` containing `value` (a small query helper). */
export function elementsWith(html: string, name: string): Node[] {
  return [...elements(parseDocument(html) as unknown as Node)].filter((el) => el.name === name);
}

/** Concatenated text of a node. */
export function textOf(node: Node): string {
  if (node.type === "text") return (node as unknown as { data: string }).data;
  return (node.children ?? []).map(textOf).join("");
}
