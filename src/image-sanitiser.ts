/**
 * Uploaded images, made safe (issue 6, item 5).  The type is read from the
 * bytes (magic numbers), never from a declared content type or file name;
 * the pixel size is read from the header before anything is decoded
 * (decompression bombs); then the image is decoded to pixels, turned upright
 * (EXIF orientation), scaled down to at most `maxSide` pixels on its long
 * side and encoded again with jpeg-js / pngjs (pure JavaScript).  Nothing of
 * the uploaded file survives: no EXIF or GPS, XMP, ICC profile, comments,
 * text chunks, trailing data or polyglot payloads.
 */
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { ValidationError } from "./names.ts";

export type ImageType = "image/jpeg" | "image/png";

export interface CleanImage {
  data: Uint8Array;
  contentType: ImageType;
  width: number;
  height: number;
}

export interface ImageLimits {
  /** Largest upload, in bytes (`MAX_IMAGE_BYTES`). */
  maxBytes: number;
  /** Largest pixel count of the original (width × height). */
  maxPixels: number;
  /** Longest side of the stored image; larger ones are scaled down. */
  maxSide: number;
}

/**
 * 25 megapixels: every phone's default photo (12 MP, or 12.5 from 50-MP
 * sensors) and most cameras' (24 MP).  Decoding is pure JavaScript, about
 * 0.16 s a megapixel on one core, and holds 4 bytes a pixel several times
 * over: a 40-MP image cost ~6 s and ~600 MB.
 */
export const DEFAULT_IMAGE_LIMITS: ImageLimits = { maxBytes: 8 * 1024 * 1024, maxPixels: 25_000_000, maxSide: 2048 };

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The image type by magic number, or undefined. */
export function sniffImageType(bytes: Uint8Array): ImageType | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  if (bytes.length >= 8 && PNG_MAGIC.every((b, i) => bytes[i] === b)) return "image/png";
  return undefined;
}

const u16 = (b: Uint8Array, i: number, little = false) => little ? b[i] | (b[i + 1] << 8) : (b[i] << 8) | b[i + 1];
const u32 = (b: Uint8Array, i: number, little = false) =>
  little ? (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16)) + b[i + 3] * 0x1000000 : ((b[i] << 24) >>> 0) + (b[i + 1] << 16) + (b[i + 2] << 8) + b[i + 3];

/** JPEG segments before the image data: [marker, start of payload, payload length]. */
function* jpegSegments(b: Uint8Array): Generator<[number, number, number]> {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return; // end of image, start of scan
    const length = u16(b, i + 2);
    if (length < 2) return;
    yield [marker, i + 4, length - 2];
    i += 2 + length;
  }
}

/** Width and height from the header, without decoding. */
export function headerSize(bytes: Uint8Array, type: ImageType): { width: number; height: number } | undefined {
  if (type === "image/png") {
    if (bytes.length < 24 || String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR") return undefined;
    return { width: u32(bytes, 16), height: u32(bytes, 20) };
  }
  for (const [marker, start, length] of jpegSegments(bytes)) {
    // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (length < 5 || start + 5 > bytes.length) return undefined;
      return { height: u16(bytes, start + 1), width: u16(bytes, start + 3) };
    }
  }
  return undefined;
}

/** The EXIF orientation (1–8) of a JPEG, 1 when there is none. */
export function exifOrientation(bytes: Uint8Array): number {
  for (const [marker, start, length] of jpegSegments(bytes)) {
    if (marker !== 0xe1 || length < 14) continue;
    if (String.fromCharCode(...bytes.subarray(start, start + 6)) !== "Exif\0\0") continue;
    const tiff = start + 6;
    const end = Math.min(start + length, bytes.length);
    const little = bytes[tiff] === 0x49;
    const ifd = tiff + u32(bytes, tiff + 4, little);
    if (ifd + 2 > end) return 1;
    const count = u16(bytes, ifd, little);
    for (let k = 0; k < count; k++) {
      const entry = ifd + 2 + k * 12;
      if (entry + 12 > end) return 1;
      if (u16(bytes, entry, little) === 0x0112) {
        const value = u16(bytes, entry + 8, little);
        return value >= 1 && value <= 8 ? value : 1;
      }
    }
  }
  return 1;
}

interface Pixels {
  width: number;
  height: number;
  /** RGBA, 4 bytes a pixel. */
  data: Uint8Array;
}

/** Turns pixels upright according to an EXIF orientation. */
export function orient(img: Pixels, orientation: number): Pixels {
  if (orientation <= 1 || orientation > 8) return img;
  const { width: w, height: h, data } = img;
  const swap = orientation >= 5;
  const W = swap ? h : w;
  const H = swap ? w : h;
  const out = new Uint8Array(W * H * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let X: number, Y: number;
      switch (orientation) {
        case 2: [X, Y] = [w - 1 - x, y]; break;
        case 3: [X, Y] = [w - 1 - x, h - 1 - y]; break;
        case 4: [X, Y] = [x, h - 1 - y]; break;
        case 5: [X, Y] = [y, x]; break;
        case 6: [X, Y] = [h - 1 - y, x]; break;
        case 7: [X, Y] = [h - 1 - y, w - 1 - x]; break;
        default: [X, Y] = [y, w - 1 - x]; break; // 8
      }
      out.set(data.subarray((y * w + x) * 4, (y * w + x) * 4 + 4), (Y * W + X) * 4);
    }
  }
  return { width: W, height: H, data: out };
}

/** Scales down (area average) so that the long side is at most `maxSide`. */
export function fit(img: Pixels, maxSide: number): Pixels {
  const scale = Math.min(1, maxSide / Math.max(img.width, img.height));
  if (scale >= 1) return img;
  const W = Math.max(1, Math.round(img.width * scale));
  const H = Math.max(1, Math.round(img.height * scale));
  const out = new Uint8Array(W * H * 4);
  for (let Y = 0; Y < H; Y++) {
    const y0 = Math.floor((Y * img.height) / H);
    const y1 = Math.max(y0 + 1, Math.floor(((Y + 1) * img.height) / H));
    for (let X = 0; X < W; X++) {
      const x0 = Math.floor((X * img.width) / W);
      const x1 = Math.max(x0 + 1, Math.floor(((X + 1) * img.width) / W));
      const sum = [0, 0, 0, 0];
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const i = (y * img.width + x) * 4;
          sum[0] += img.data[i];
          sum[1] += img.data[i + 1];
          sum[2] += img.data[i + 2];
          sum[3] += img.data[i + 3];
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (Y * W + X) * 4;
      for (let k = 0; k < 4; k++) out[o + k] = Math.round(sum[k] / n);
    }
  }
  return { width: W, height: H, data: out };
}

/** Where a PNG's IEND chunk ends (or the file's length if it has none). */
function pngEnd(b: Uint8Array): number {
  for (let i = 8; i + 12 <= b.length;) {
    const length = u32(b, i);
    const next = i + 12 + length;
    if (b[i + 4] === 0x49 && b[i + 5] === 0x45 && b[i + 6] === 0x4e && b[i + 7] === 0x44) return Math.min(next, b.length);
    i = next;
  }
  return b.length;
}

function decode(bytes: Uint8Array, type: ImageType, limits: ImageLimits): Pixels {
  try {
    if (type === "image/jpeg") {
      const img = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: limits.maxPixels / 1_000_000,
        maxMemoryUsageInMB: Math.ceil((limits.maxPixels * 4 * 2) / (1024 * 1024)) + 64,
      });
      return { width: img.width, height: img.height, data: img.data };
    }
    // Bytes after IEND (a polyglot's payload) are cut off: pngjs refuses them.
    const end = pngEnd(bytes);
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, end));
    return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
  } catch {
    throw new ValidationError("images", "the image could not be read: it is damaged or not a JPEG or PNG");
  }
}

function encode(img: Pixels, type: ImageType): Uint8Array {
  if (type === "image/jpeg") return new Uint8Array(jpeg.encode({ width: img.width, height: img.height, data: img.data }, 85).data);
  // A new PNG: IHDR, IDAT and IEND only (no gamma, text or other chunk).
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return new Uint8Array(PNG.sync.write(png, { colorType: 6 }));
}

/**
 * The checks that need no decoding (size, type by magic number, pixel count
 * from the header): cheap, done before an image waits for the worker.
 * Throws ValidationError; returns the type and the header's size.
 */
export function checkImage(bytes: Uint8Array, limits: ImageLimits = DEFAULT_IMAGE_LIMITS) {
  if (bytes.length === 0) throw new ValidationError("images", "the image is empty");
  if (bytes.length > limits.maxBytes) {
    throw new ValidationError("images", `the image is larger than ${Math.floor(limits.maxBytes / (1024 * 1024) * 10) / 10} MB`);
  }
  const type = sniffImageType(bytes);
  if (!type) throw new ValidationError("images", "only JPEG and PNG images are accepted");
  const size = headerSize(bytes, type);
  if (!size || size.width === 0 || size.height === 0) {
    throw new ValidationError("images", "the image could not be read: it is damaged or not a JPEG or PNG");
  }
  if (size.width * size.height > limits.maxPixels) {
    throw new ValidationError("images", `the image has more than ${limits.maxPixels / 1_000_000} megapixels; please send a smaller one`);
  }
  return { type, size };
}

/**
 * Checks and re-encodes one uploaded image.  Throws ValidationError (a 4xx)
 * for anything but a JPEG or PNG within the limits.  Seconds of CPU for a
 * large photo: the server calls it in a worker thread (src/image-decoder.ts).
 */
export function sanitiseImage(bytes: Uint8Array, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): CleanImage {
  const { type, size } = checkImage(bytes, limits);
  let pixels = decode(bytes, type, limits);
  if (pixels.width !== size.width || pixels.height !== size.height) {
    throw new ValidationError("images", "the image could not be read: its header does not match its data");
  }
  if (type === "image/jpeg") pixels = orient(pixels, exifOrientation(bytes));
  pixels = fit(pixels, limits.maxSide);
  return { data: encode(pixels, type), contentType: type, width: pixels.width, height: pixels.height };
}
