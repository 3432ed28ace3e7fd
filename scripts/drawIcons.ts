/**
 * Draws the two Teams app icons (appPackage/color.png 192x192 and appPackage/outline.png 32x32): a shield with a key.
 * Shapes are sampled on a 4x4 grid per pixel for anti-aliasing; the PNG is written by hand (IHDR, IDAT, IEND).
 * Run: npx tsx scripts/drawIcons.ts
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deflateSync } from 'node:zlib';

export type Rgb = readonly [number, number, number];
type Shape = (x: number, y: number) => boolean;
type Paint = (x: number, y: number) => Rgb;
type Point = readonly [number, number];

/** The brand colour of the colour icon; the manifest's accentColor matches it. */
export const BRAND_COLOR = '#0F6CBD';
const BRAND_TOP: Rgb = [0x1a, 0x7f, 0xd6];
const BRAND_BOTTOM: Rgb = [0x0b, 0x55, 0x9c];
const WHITE: Rgb = [255, 255, 255];
const SAMPLES_PER_AXIS = 4;

export interface Canvas {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, row by row. */
  pixels: Uint8Array;
}

export function blankCanvas(width: number, height: number, fill: Rgb = WHITE, alpha = 0): Canvas {
  const pixels = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) pixels.set([...fill, alpha], i * 4);
  return { width, height, pixels };
}

/** Share of the pixel (px, py) that lies inside the shape, from 0 to 1. */
function coverage(shape: Shape, px: number, py: number): number {
  let inside = 0;
  for (let sy = 0; sy < SAMPLES_PER_AXIS; sy++) {
    for (let sx = 0; sx < SAMPLES_PER_AXIS; sx++) {
      if (shape(px + (sx + 0.5) / SAMPLES_PER_AXIS, py + (sy + 0.5) / SAMPLES_PER_AXIS)) inside++;
    }
  }
  return inside / SAMPLES_PER_AXIS ** 2;
}

/** Paints the shape over what is there ("source over" compositing, straight alpha). */
export function fill(canvas: Canvas, shape: Shape, paint: Paint): void {
  const { width, height, pixels } = canvas;
  for (let py = 0; py < height; py++) {
    for (let px = 0; px < width; px++) {
      const cover = coverage(shape, px, py);
      if (cover === 0) continue;
      const i = (py * width + px) * 4;
      const color = paint(px + 0.5, py + 0.5);
      const below = pixels[i + 3] / 255;
      const alpha = cover + below * (1 - cover);
      for (let c = 0; c < 3; c++) {
        pixels[i + c] = Math.round((color[c] * cover + pixels[i + c] * below * (1 - cover)) / alpha);
      }
      pixels[i + 3] = Math.round(alpha * 255);
    }
  }
}

export const union =
  (...shapes: Shape[]): Shape =>
  (x, y) =>
    shapes.some((shape) => shape(x, y));

export const minus =
  (shape: Shape, hole: Shape): Shape =>
  (x, y) =>
    shape(x, y) && !hole(x, y);

export const circle =
  (cx: number, cy: number, r: number): Shape =>
  (x, y) =>
    (x - cx) ** 2 + (y - cy) ** 2 <= r * r;

export const rect =
  (left: number, top: number, right: number, bottom: number): Shape =>
  (x, y) =>
    x >= left && x <= right && y >= top && y <= bottom;

export function polygon(points: readonly Point[]): Shape {
  return (x, y) => {
    let inside = false;
    for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
      const [xi, yi] = points[i];
      const [xj, yj] = points[j];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  };
}

function quadratic(from: Point, control: Point, to: Point, steps: number): Point[] {
  return Array.from({ length: steps + 1 }, (_, k) => {
    const t = k / steps;
    const u = 1 - t;
    return [
      u * u * from[0] + 2 * u * t * control[0] + t * t * to[0],
      u * u * from[1] + 2 * u * t * control[1] + t * t * to[1],
    ] as const;
  });
}

/** A heater shield: straight top and sides for the upper half, then curves meeting in a point at the bottom. */
export function shield(left: number, top: number, right: number, bottom: number): Shape {
  const midX = (left + right) / 2;
  const shoulder = top + (bottom - top) * 0.45;
  const bend = top + (bottom - top) * 0.82;
  const rightSide = quadratic([right, shoulder], [right, bend], [midX, bottom], 24);
  const leftSide = quadratic([midX, bottom], [left, bend], [left, shoulder], 24);
  return polygon([[left, top], [right, top], ...rightSide, ...leftSide]);
}

/** An upright key: a ring for the bow, a shaft, and two teeth on the right. `size` is the key's height. */
export function key(cx: number, top: number, size: number): Shape {
  const ringOuter = size * 0.24;
  const ringInner = size * 0.11;
  const ringCenterY = top + ringOuter;
  const shaftHalf = size * 0.065;
  const shaftTop = ringCenterY + ringOuter * 0.8;
  const bottom = top + size;
  const tooth = size * 0.15;
  return union(
    minus(circle(cx, ringCenterY, ringOuter), circle(cx, ringCenterY, ringInner)),
    rect(cx - shaftHalf, shaftTop, cx + shaftHalf, bottom),
    rect(cx + shaftHalf, bottom - size * 0.3, cx + shaftHalf + tooth, bottom - size * 0.22),
    rect(cx + shaftHalf, bottom - size * 0.12, cx + shaftHalf + tooth * 0.75, bottom),
  );
}

function verticalGradient(top: Rgb, bottom: Rgb, height: number): Paint {
  return (_x, y) => {
    const t = Math.min(1, Math.max(0, y / height));
    const mix = (c: 0 | 1 | 2) => Math.round(top[c] + (bottom[c] - top[c]) * t);
    return [mix(0), mix(1), mix(2)];
  };
}

/** 192x192, full-bleed brand colour; the shield stays inside the central 120x120 safe area. */
export function drawColorIcon(): Canvas {
  const size = 192;
  const canvas = blankCanvas(size, size);
  const background = verticalGradient(BRAND_TOP, BRAND_BOTTOM, size);
  fill(canvas, rect(0, 0, size, size), background);
  fill(canvas, shield(44, 36, 148, 156), () => WHITE);
  fill(canvas, key(96, 54, 80), background);
  return canvas;
}

/** 32x32, white on transparent: the shield as an outline with the key inside. */
export function drawOutlineIcon(): Canvas {
  const canvas = blankCanvas(32, 32);
  const outline = minus(shield(4, 2, 28, 30), shield(6.5, 4.5, 25.5, 26.4));
  fill(canvas, union(outline, key(16, 7.5, 16)), () => WHITE);
  return canvas;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** 8-bit RGBA, no interlace, filter type 0 (none) on every row. */
export function encodePng(canvas: Canvas): Buffer {
  const { width, height, pixels } = canvas;
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8);
  const rowBytes = width * 4;
  const raw = Buffer.alloc((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (rowBytes + 1)] = 0;
    raw.set(pixels.subarray(y * rowBytes, (y + 1) * rowBytes), y * (rowBytes + 1) + 1);
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array()),
  ]);
}

export function writeIcons(directory: string): string[] {
  const files: Array<[string, Canvas]> = [
    ['color.png', drawColorIcon()],
    ['outline.png', drawOutlineIcon()],
  ];
  return files.map(([name, canvas]) => {
    const path = join(directory, name);
    writeFileSync(path, encodePng(canvas));
    return path;
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const appPackage = join(dirname(fileURLToPath(import.meta.url)), '..', 'appPackage');
  for (const path of writeIcons(appPackage)) console.log(`wrote ${path}`);
}
