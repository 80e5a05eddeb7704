/**
 * Images attached to a new thread or reply (issue 6, item 5): read from the
 * web form (multipart: `image_1`…`image_4` with `alt_1`…`alt_4`) or the JSON
 * API (`images: [{ data: base64, alt }]`), each with its alt text, then
 * re-encoded by src/image-sanitiser.ts in a worker thread
 * (src/image-decoder.ts).  Routes only wrap what was sent in
 * {@link ImageUploads} (cheap checks); src/posts.ts decodes them after every
 * authorisation check has passed.  Nothing is stored here: the checked
 * images go with the post to federation/member-actions.ts#publishPost.
 */
import type { NewLocalImage } from "../db/media.ts";
import { decodeImage } from "./image-decoder.ts";
import { checkImage, type ImageLimits } from "./image-sanitiser.ts";
import { ValidationError } from "./names.ts";

export const MAX_IMAGES = 4;
export const MAX_ALT_LENGTH = 1500;

export interface Upload {
  bytes: Uint8Array;
  alt: string;
}

/** The body cap on upload paths (src/inbound-guard.ts): four images as base64, plus the text. */
export function maxUploadBytes(maxImageBytes: number): number {
  return MAX_IMAGES * Math.ceil((maxImageBytes * 4) / 3) + 1024 * 1024;
}

/** Checks the alt texts and the number of images, without decoding anything. */
function checkUploads(uploads: Upload[]): void {
  if (uploads.length > MAX_IMAGES) throw new ValidationError("images", `at most ${MAX_IMAGES} images per post`);
  uploads.forEach((u, i) => {
    const alt = u.alt.trim();
    if (alt === "") {
      throw new ValidationError("images", `image ${i + 1} needs a description (alt text) for members who use a screen reader`);
    }
    if (alt.length > MAX_ALT_LENGTH) {
      throw new ValidationError("images", `the description of image ${i + 1} is longer than ${MAX_ALT_LENGTH} characters`);
    }
  });
}

const numbered = (i: number) => (error: unknown) => {
  if (error instanceof ValidationError) throw new ValidationError("images", `image ${i + 1}: ${error.message}`);
  throw error;
};

/** Checks the alt texts, the number of images and their headers, then re-encodes each one (in the worker, in turn). */
export async function cleanUploads(uploads: Upload[], limits: ImageLimits): Promise<NewLocalImage[]> {
  checkUploads(uploads);
  uploads.forEach((u, i) => {
    try {
      checkImage(u.bytes, limits);
    } catch (error) {
      numbered(i)(error);
    }
  });
  const images: NewLocalImage[] = [];
  for (const [i, u] of uploads.entries()) {
    const clean = await decodeImage(u.bytes, limits).catch(numbered(i));
    images.push({ data: clean.data, contentType: clean.contentType, width: clean.width, height: clean.height, alt: u.alt.trim() });
  }
  return images;
}

/**
 * A post's uploads, checked but not yet decoded: what routes hand to
 * src/posts.ts, which decodes them (`clean()`) only once the author may post
 * there.  A class, so that raw JSON can never pass for it.
 */
export class ImageUploads {
  readonly uploads: Upload[];
  readonly limits: ImageLimits;
  constructor(uploads: Upload[], limits: ImageLimits) {
    checkUploads(uploads);
    this.uploads = uploads;
    this.limits = limits;
  }
  clean(): Promise<NewLocalImage[]> {
    return cleanUploads(this.uploads, this.limits);
  }
}

type FormBody = Record<string, string | File | (string | File)[]>;

/** The files chosen in the compose form, with their alt texts; empty file fields are skipped. */
export async function formUploads(body: FormBody): Promise<Upload[]> {
  const uploads: Upload[] = [];
  for (let n = 1; n <= MAX_IMAGES; n++) {
    const file = body[`image_${n}`];
    if (!(file instanceof File) || file.size === 0) continue;
    const alt = body[`alt_${n}`];
    uploads.push({ bytes: new Uint8Array(await file.arrayBuffer()), alt: typeof alt === "string" ? alt : "" });
  }
  if (Object.keys(body).some((k) => /^image_\d+$/.test(k) && Number(k.slice(6)) > MAX_IMAGES)) {
    throw new ValidationError("images", `at most ${MAX_IMAGES} images per post`);
  }
  return uploads;
}

/** `images` of a JSON API request: `[{ data: "<base64>", alt: "…" }]`. */
export function jsonUploads(value: unknown): Upload[] {
  if (value == null) return [];
  if (!Array.isArray(value)) throw new ValidationError("images", "images must be a list of { data, alt }");
  if (value.length > MAX_IMAGES) throw new ValidationError("images", `at most ${MAX_IMAGES} images per post`);
  return value.map((item, i) => {
    const data = (item as { data?: unknown })?.data;
    const alt = (item as { alt?: unknown })?.alt;
    if (typeof data !== "string" || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(data.replace(/\s+/g, ""))) {
      throw new ValidationError("images", `image ${i + 1}: data must be the image's bytes in base64`);
    }
    return { bytes: new Uint8Array(Buffer.from(data, "base64")), alt: typeof alt === "string" ? alt : "" };
  });
}
