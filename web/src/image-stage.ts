import type { ImageAsset } from '../../gen/image/v1/asset_pb.js';
import { h } from './dom.js';
import { imageElement, title } from './images.js';

interface CropRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ImageStage {
  element: HTMLElement;
  /** Drawing on the image (pointer drag) reports a rectangle in source pixels. */
  onCrop(listener: (rect: CropRect) => void): void;
  showCrop(rect: CropRect | null): void;
  /** Thirds and the focal point (normalised 0 to 1). */
  showComposition(focal: { x: number; y: number } | null): void;
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** The image with an SVG layer in its own pixel coordinates, for the crop box and analysis marks. */
export function imageStage(asset: ImageAsset): ImageStage {
  const w = asset.width || 1;
  const hgt = asset.height || 1;
  const img = imageElement(asset, title(asset), 'full');
  img.loading = 'eager';
  const layer = svg('svg', { viewBox: `0 0 ${w} ${hgt}`, class: 'overlay', 'aria-hidden': 'true' }) as SVGSVGElement;
  const crop = svg('rect', { class: 'crop', visibility: 'hidden' });
  const marks = svg('g', { class: 'marks' });
  layer.append(marks, crop);
  const listeners: ((r: CropRect) => void)[] = [];
  let start: { x: number; y: number } | null = null;

  const toImage = (e: PointerEvent) => {
    const box = layer.getBoundingClientRect();
    const x = Math.round(((e.clientX - box.left) / box.width) * w);
    const y = Math.round(((e.clientY - box.top) / box.height) * hgt);
    return { x: Math.min(w, Math.max(0, x)), y: Math.min(hgt, Math.max(0, y)) };
  };
  const rectFrom = (a: { x: number; y: number }, b: { x: number; y: number }): CropRect => ({
    x: Math.min(a.x, b.x),
    y: Math.min(a.y, b.y),
    width: Math.abs(a.x - b.x),
    height: Math.abs(a.y - b.y),
  });
  layer.addEventListener('pointerdown', (e) => {
    start = toImage(e);
    layer.setPointerCapture(e.pointerId);
  });
  layer.addEventListener('pointermove', (e) => {
    if (start) stage.showCrop(rectFrom(start, toImage(e)));
  });
  layer.addEventListener('pointerup', (e) => {
    if (!start) return;
    const r = rectFrom(start, toImage(e));
    start = null;
    if (r.width > 0 && r.height > 0) listeners.forEach((l) => l(r));
  });

  const stage: ImageStage = {
    element: h('figure', { class: 'stage', 'data-testid': 'stage' }, img, layer),
    onCrop: (l) => listeners.push(l),
    showCrop(r) {
      crop.setAttribute('visibility', r ? 'visible' : 'hidden');
      if (r) for (const [k, v] of Object.entries(r)) crop.setAttribute(k, String(v));
    },
    showComposition(focal) {
      marks.replaceChildren();
      if (!focal) return;
      const stroke = Math.max(1, Math.round(Math.max(w, hgt) / 300));
      for (const t of [1 / 3, 2 / 3]) {
        marks.append(svg('line', { x1: w * t, y1: 0, x2: w * t, y2: hgt, 'stroke-width': stroke, class: 'third' }));
        marks.append(svg('line', { x1: 0, y1: hgt * t, x2: w, y2: hgt * t, 'stroke-width': stroke, class: 'third' }));
      }
      marks.append(svg('circle', { cx: focal.x * w, cy: focal.y * hgt, r: stroke * 12, 'stroke-width': stroke * 3, class: 'focal' }));
    },
  };
  return stage;
}
