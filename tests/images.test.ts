/**
 * Issue 6, item 5: the image sanitiser on crafted files.  Whatever the
 * upload carried (EXIF with GPS, XMP, comments, PNG text chunks, trailing
 * bytes, HTML/JS polyglots), the re-encoded image holds none of it; only
 * JPEG and PNG, recognised by their bytes, within the limits.
 */
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { DEFAULT_IMAGE_LIMITS, exifOrientation, headerSize, sanitiseImage, sniffImageType } from "../src/image-sanitiser.ts";
import { cleanUploads, jsonUploads } from "../src/images.ts";
import { decodeImage, imagesDecoded, MAX_WAITING } from "../src/image-decoder.ts";
import { ValidationError } from "../src/names.ts";
import { bombPng, contains, laceJpeg, lacePng, pixels, SCRIPT, SECRET } from "./helpers/images.ts";

const decodeJpeg = (b: Uint8Array) => jpeg.decode(b, { useTArray: true, formatAsRGBA: true });

/** JPEG markers between SOI and SOS of an encoded file. */
function jpegMarkers(b: Uint8Array): number[] {
  const markers: number[] = [];
  for (let i = 2; i + 4 <= b.length && b[i] === 0xff;) {
    markers.push(b[i + 1]);
    if (b[i + 1] === 0xda) break;
    i += 2 + ((b[i + 2] << 8) | b[i + 3]);
  }
  return markers;
}

/** PNG chunk types in order. */
function pngChunks(b: Uint8Array): string[] {
  const types: string[] = [];
  for (let i = 8; i + 8 <= b.length;) {
    const length = Buffer.from(b.subarray(i, i + 4)).readUInt32BE();
    types.push(Buffer.from(b.subarray(i + 4, i + 8)).toString("latin1"));
    i += 12 + length;
  }
  return types;
}

describe("the crafted files", () => {
  it("really carry the payloads (else the tests below prove nothing)", () => {
    const j = laceJpeg();
    const p = lacePng();
    for (const file of [j, p]) {
      expect(contains(file, SECRET)).toBe(true);
      expect(contains(file, SCRIPT)).toBe(true);
    }
    expect(exifOrientation(laceJpeg(64, 48, 6))).toBe(6);
    expect(decodeJpeg(j).width).toBe(64);
    expect(() => PNG.sync.read(Buffer.from(p))).toThrow(/end of stream/); // the trailing payload is there
    expect(pngChunks(p)).toContain("tEXt");
  });
});

describe("sanitiseImage", () => {
  it("re-encodes a JPEG without EXIF, GPS, XMP, comments or trailing data", () => {
    const out = sanitiseImage(laceJpeg());
    expect(out.contentType).toBe("image/jpeg");
    expect([out.width, out.height]).toEqual([64, 48]);
    expect(contains(out.data, SECRET)).toBe(false);
    expect(contains(out.data, SCRIPT)).toBe(false);
    expect(contains(out.data, "Exif")).toBe(false);
    expect(contains(out.data, "<")).toBe(false);
    // Only the JFIF header, tables, frame and scan: no APPn beyond APP0, no COM.
    expect(jpegMarkers(out.data).filter((m) => (m >= 0xe1 && m <= 0xef) || m === 0xfe)).toEqual([]);
    // Ends at EOI: nothing trails.
    expect([...out.data.subarray(-2)]).toEqual([0xff, 0xd9]);
    const decoded = decodeJpeg(out.data);
    expect(decoded.data[0]).toBeGreaterThan(180); // red on the left
  });

  it("applies the EXIF orientation before dropping it", () => {
    const out = sanitiseImage(laceJpeg(64, 48, 6)); // rotate 90° clockwise
    expect([out.width, out.height]).toEqual([48, 64]);
    const decoded = decodeJpeg(out.data);
    // The red left half is now the top half.
    expect(decoded.data[0]).toBeGreaterThan(180);
    const bottom = ((out.height - 1) * out.width) * 4;
    expect(decoded.data[bottom + 2]).toBeGreaterThan(180);
  });

  it("re-encodes a PNG with only IHDR, IDAT and IEND", () => {
    const out = sanitiseImage(lacePng());
    expect(out.contentType).toBe("image/png");
    expect(contains(out.data, SECRET)).toBe(false);
    expect(contains(out.data, SCRIPT)).toBe(false);
    expect(new Set(pngChunks(out.data))).toEqual(new Set(["IHDR", "IDAT", "IEND"]));
    const decoded = PNG.sync.read(Buffer.from(out.data));
    expect([decoded.width, decoded.height]).toEqual([40, 30]);
    expect([...decoded.data.subarray(0, 4)]).toEqual([230, 20, 20, 255]);
  });

  it("scales the long side down to 2048 pixels", () => {
    const png = new PNG({ width: 3000, height: 600 });
    png.data = Buffer.from(pixels(3000, 600));
    const out = sanitiseImage(new Uint8Array(PNG.sync.write(png)));
    expect([out.width, out.height]).toEqual([2048, 410]);
  });

  it("reads the type from the bytes, never from a name or declared type", () => {
    expect(sniffImageType(laceJpeg())).toBe("image/jpeg");
    expect(sniffImageType(lacePng())).toBe("image/png");
    const html = new TextEncoder().encode(`<html>${SCRIPT}</html>`);
    expect(sniffImageType(html)).toBeUndefined();
    expect(() => sanitiseImage(html)).toThrow(/only JPEG and PNG/);
    const gif = new TextEncoder().encode("GIF89a\x01\x00\x01\x00");
    expect(() => sanitiseImage(gif)).toThrow(/only JPEG and PNG/);
  });

  it("refuses too many pixels from the header, before decoding", () => {
    const bomb = bombPng(20_000, 20_000);
    expect(headerSize(bomb, "image/png")).toEqual({ width: 20_000, height: 20_000 });
    expect(() => sanitiseImage(bomb)).toThrow(/megapixels/);
    // 30 megapixels: over the 25-MP default (decoding is seconds of CPU and hundreds of MB).
    expect(() => sanitiseImage(bombPng(6000, 5000))).toThrow(/more than 25 megapixels/);
  });

  it("refuses a file over the byte limit, and a damaged one", () => {
    const file = laceJpeg();
    expect(() => sanitiseImage(file, { ...DEFAULT_IMAGE_LIMITS, maxBytes: file.length - 1 })).toThrow(/larger than/);
    expect(() => sanitiseImage(file.subarray(0, 40))).toThrow(ValidationError);
    const truncatedPng = lacePng().subarray(0, 60);
    expect(() => sanitiseImage(truncatedPng)).toThrow(ValidationError);
  });
});

describe("uploads", () => {
  it("need an alt text each, and at most four", async () => {
    await expect(cleanUploads([{ bytes: laceJpeg(), alt: "  " }], DEFAULT_IMAGE_LIMITS)).rejects.toThrow(/alt text/);
    const five = Array.from({ length: 5 }, () => ({ bytes: lacePng(), alt: "a chart" }));
    await expect(cleanUploads(five, DEFAULT_IMAGE_LIMITS)).rejects.toThrow(/at most 4/);
    const [one] = await cleanUploads([{ bytes: lacePng(), alt: " My pill organiser " }], DEFAULT_IMAGE_LIMITS);
    expect(one.alt).toBe("My pill organiser");
    expect(contains(one.data, SECRET)).toBe(false);
  });

  it("take base64 in the JSON API and refuse anything else", () => {
    const [u] = jsonUploads([{ data: Buffer.from(lacePng()).toString("base64"), alt: "x" }]);
    expect(u.bytes.length).toBe(lacePng().length);
    expect(() => jsonUploads([{ data: "not base64!", alt: "x" }])).toThrow(/base64/);
    expect(() => jsonUploads("nope")).toThrow(/list/);
  });
});

describe("the image worker", () => {
  it("ends an image that takes too long, and decodes the next one in a new worker", async () => {
    const big = new Uint8Array(jpeg.encode({ width: 2000, height: 1500, data: pixels(2000, 1500) }, 80).data);
    await expect(decodeImage(big, DEFAULT_IMAGE_LIMITS, 20)).rejects.toThrow(/took too long/);
    const next = await decodeImage(lacePng(), DEFAULT_IMAGE_LIMITS);
    expect(next.contentType).toBe("image/png");
    expect(contains(next.data, SECRET)).toBe(false);
  });

  it(`keeps at most ${MAX_WAITING} images waiting, and refuses more with "busy"`, async () => {
    const before = imagesDecoded();
    const all = Array.from({ length: MAX_WAITING + 3 }, () => decodeImage(lacePng(), DEFAULT_IMAGE_LIMITS).then(() => "done", (e: Error) => e.message));
    const results = await Promise.all(all);
    // One runs at once, MAX_WAITING wait: the rest are refused at once.
    expect(results.filter((r) => r === "done")).toHaveLength(MAX_WAITING + 1);
    expect(results.filter((r) => /busy/.test(r))).toHaveLength(2);
    expect(imagesDecoded() - before).toBe(MAX_WAITING + 1);
  });
});
