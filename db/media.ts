/** Images of posts (migration 0020): local uploads with their bytes, remote ones by address. */
import type { Kysely } from "kysely";
import type { Schema } from "./schema.ts";

type Db = Kysely<Schema>;

export interface NewLocalImage {
  data: Uint8Array;
  contentType: string;
  width: number;
  height: number;
  alt: string;
}

export interface RemoteImage {
  url: string;
  contentType: string;
  width: number | null;
  height: number | null;
  alt: string;
}

/** What pages and objects show of an image (never its bytes). */
export interface MediaInfo {
  id: string;
  post_id: number;
  content_type: string;
  width: number | null;
  height: number | null;
  alt: string;
  remote_url: string | null;
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Stores a post's images in order: local uploads with their bytes, remote ones by address. */
export async function insertImages(db: Db, postId: number, ownerId: number, images: (NewLocalImage | RemoteImage)[]): Promise<void> {
  if (images.length === 0) return;
  await db.insertInto("media").values(images.map((img, position) => ({
    id: randomId(),
    post_id: postId,
    owner_id: ownerId,
    position,
    content_type: img.contentType,
    width: img.width,
    height: img.height,
    alt: img.alt,
    ...("data" in img ? { data: img.data } : { remote_url: img.url }),
  }))).execute();
}

const INFO = ["id", "post_id", "content_type", "width", "height", "alt", "remote_url"] as const;

/** The images of some posts, in order, by post id. */
export async function listMediaOf(db: Db, postIds: number[]): Promise<Map<number, MediaInfo[]>> {
  const map = new Map<number, MediaInfo[]>();
  if (postIds.length === 0) return map;
  const rows = await db.selectFrom("media").select(INFO).where("post_id", "in", postIds)
    .orderBy("post_id").orderBy("position").execute();
  for (const row of rows) {
    const list = map.get(row.post_id) ?? [];
    list.push(row);
    map.set(row.post_id, list);
  }
  return map;
}

/** A local image with its bytes, for serving. */
export async function findLocalImage(db: Db, id: string) {
  return await db.selectFrom("media").select([...INFO, "data"]).where("id", "=", id)
    .where("data", "is not", null).executeTakeFirst();
}
