/**
 * Crafted image files for the image tests: real JPEGs and PNGs (encoded
 * with jpeg-js / pngjs), then laced with what must never survive: EXIF with
 * GPS, comments, PNG text chunks, trailing bytes, HTML/JS polyglot payloads.
 */
import { crc32 } from "node:zlib";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";

export const SECRET = "GPS-51.5007N-0.1246W-secret";
export const SCRIPT = "<script>alert('polyglot')</script>";

/** Pixels: left half red, right half blue (so that orientation shows). */
export function pixels(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const left = x < width / 2;
      data.set([left ? 230 : 20, 20, left ? 20 : 230, 255], i);
    }
  }
  return data;
}

const be16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];
const ascii = (s: string) => [...Buffer.from(s, "latin1")];

/** An APP1 EXIF segment (big-endian TIFF) with Orientation and a GPS IFD holding `SECRET`. */
export function exifSegment(orientation = 1): Uint8Array {
  const secret = ascii(SECRET + "\0");
  // TIFF header (8) + IFD0 with 2 entries (2 + 24 + 4) = 38; GPS IFD at 38 with 1 entry (2 + 12 + 4) = 18; data at 56.
  const tiff = [
    0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8,
    0, 2,
    0x01, 0x12, 0, 3, 0, 0, 0, 1, ...be16(orientation), 0, 0, // Orientation, SHORT
    0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 38, // GPSInfo IFD pointer
    0, 0, 0, 0,
    0, 1,
    0x00, 0x1b, 0, 7, 0, 0, ...be16(secret.length), 0, 0, 0, 56, // GPSProcessingMethod, UNDEFINED
    0, 0, 0, 0,
    ...secret,
  ];
  const payload = [...ascii("Exif\0\0"), ...tiff];
  return new Uint8Array([0xff, 0xe1, ...be16(payload.length + 2), ...payload]);
}

function segment(marker: number, payload: number[]): number[] {
  return [0xff, marker, ...be16(payload.length + 2), ...payload];
}

/** A JPEG with EXIF (GPS), an XMP packet, a comment with a script, and trailing HTML after EOI. */
export function laceJpeg(width = 64, height = 48, orientation = 1): Uint8Array {
  const clean = jpeg.encode({ width, height, data: pixels(width, height) }, 90).data;
  const xmp = segment(0xe1, ascii(`http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>${SECRET}</exif:GPSLatitude></x:xmpmeta>`));
  const comment = segment(0xfe, ascii(SCRIPT));
  return new Uint8Array([
    0xff, 0xd8,
    ...exifSegment(orientation), ...xmp, ...comment,
    ...clean.subarray(2),
    ...ascii(`<html><body>${SCRIPT}${SECRET}</body></html>`),
  ]);
}

function chunk(type: string, data: number[]): number[] {
  const body = Buffer.from([...ascii(type), ...data]);
  const crc = crc32(body) >>> 0;
  return [...be16(data.length >>> 16), ...be16(data.length & 0xffff), ...body, (crc >>> 24) & 0xff, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff];
}

/** A PNG with tEXt and eXIf chunks and an HTML/JS payload after IEND. */
export function lacePng(width = 40, height = 30): Uint8Array {
  const png = new PNG({ width, height });
  png.data = Buffer.from(pixels(width, height));
  const clean = new Uint8Array(PNG.sync.write(png));
  const iend = clean.length - 12;
  return new Uint8Array([
    ...clean.subarray(0, 33), // signature + IHDR
    ...chunk("tEXt", ascii(`Comment\0${SCRIPT} ${SECRET}`)),
    ...chunk("eXIf", [...exifSegment().subarray(10)]),
    ...clean.subarray(33, iend),
    ...clean.subarray(iend),
    ...ascii(`<html>${SCRIPT}${SECRET}</html>`),
  ]);
}

/** A PNG header claiming `width` × `height` (no real pixels behind it). */
export function bombPng(width: number, height: number): Uint8Array {
  const ihdr = [...be16(width >>> 16), ...be16(width & 0xffff), ...be16(height >>> 16), ...be16(height & 0xffff), 8, 6, 0, 0, 0];
  return new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...chunk("IHDR", ihdr), ...chunk("IEND", [])]);
}

export function contains(bytes: Uint8Array, needle: string): boolean {
  return Buffer.from(bytes).includes(Buffer.from(needle, "latin1"));
}
