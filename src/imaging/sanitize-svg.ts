import type { DOMPurify } from 'dompurify';
import { deadlineExceeded, invalidImage, tooLarge } from '../errors/index.js';
import { checkSvgMarkup, checkSvgReferences, type SvgLimits, type SvgNode } from './svg-complexity.js';

export interface SanitizeContext extends SvgLimits {
  /** The request field the SVG came from, named in errors. */
  field: string;
  maxSvgBytes: number;
  /** Epoch ms: the walk over the document stops there (a DOM walk is plain JavaScript no timeout stops). */
  deadline: number;
}

/**
 * The one place an SVG a caller sent becomes safe to decode, store and serve on this service's origin:
 * DOMPurify (the maintained sanitiser of the field) on jsdom (the DOM its authors test it on and
 * recommend), with its SVG profiles, so scripts, event handlers, foreignObject and animation elements
 * (which can rewrite an href) are gone. On top of DOMPurify's own URI checks, nothing may refer outside
 * the document: an href or xlink:href is a fragment ("#id") or a raster data URI, and CSS (style
 * elements and attributes, url() in presentation attributes) loads nothing but fragments and raster data
 * URIs. The prolog and doctype are dropped (their entities included); the result is the `<svg>` element
 * alone, serialised as XML librsvg reads. Its complexity is bounded here too (see svg-complexity.ts):
 * librsvg cannot be stopped once it renders.
 */
export async function sanitizeSvg(input: Uint8Array, ctx: SanitizeContext): Promise<Buffer> {
  if (input.byteLength > ctx.maxSvgBytes) throw tooLarge(ctx.field, `${ctx.maxSvgBytes} bytes of SVG`, `${input.byteLength} bytes`, 'SVG_TOO_LARGE');
  const text = Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  const start = text.search(/<svg[\s>/]/i);
  if (start === -1) throw notSvg(ctx.field);
  checkSvgMarkup(text.slice(start), ctx, ctx.field);
  const purify = await purifier();
  deadline = ctx.deadline;
  const body = purify.sanitize(text.slice(start), {
    USE_PROFILES: { svg: true, svgFilters: true },
    FORBID_TAGS: ['foreignObject', 'animate', 'animateMotion', 'animateTransform', 'set', 'script'],
    RETURN_DOM: true,
  }) as unknown as DomElement;
  const svg = body.querySelector('svg');
  if (svg === null) throw notSvg(ctx.field);
  checkSvgReferences(svg, ctx, ctx.field);
  if (!svg.hasAttribute('xmlns')) svg.setAttribute('xmlns', SVG_NS);
  if (svg.querySelector('[*|href]') !== null && !svg.hasAttribute('xmlns:xlink')) svg.setAttribute('xmlns:xlink', XLINK_NS);
  // The HTML serialiser writes U+00A0 as &nbsp;, which XML does not define.
  return Buffer.from(svg.outerHTML.replaceAll('&nbsp;', '&#160;'), 'utf8');
}

/** The DOM members used here: the project compiles without TypeScript's DOM library (no browser globals in a service). */
interface DomElement extends SvgNode {
  textContent: string | null;
  hasAttribute(name: string): boolean;
  setAttribute(name: string, value: string): void;
  querySelector(selector: string): DomElement | null;
  readonly outerHTML: string;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const XLINK_NS = 'http://www.w3.org/1999/xlink';
/** What a reference may point at: a fragment of the document, or a raster image inside it. */
const SAFE_TARGET = /^\s*(#|data:image\/(png|jpeg|gif|webp);base64,)/i;
const URL_FUNCTION = /url\(\s*(['"]?)(.*?)\1\s*\)/gi;

/** The deadline of the document being sanitised: sanitize() is synchronous, one document at a time. */
let deadline = Infinity;
let loading: Promise<DOMPurify> | undefined;

/** jsdom takes a second or more to load, so each worker thread loads it once, on its first SVG. */
function purifier(): Promise<DOMPurify> {
  loading ??= (async () => {
    const [{ JSDOM }, { default: createDOMPurify }] = await Promise.all([import('jsdom'), import('dompurify')]);
    const purify = createDOMPurify(new JSDOM('').window as unknown as Parameters<typeof createDOMPurify>[0]);
    purify.addHook('uponSanitizeElement', (node, event) => {
      if (Date.now() >= deadline) throw deadlineExceeded('image processing was stopped at the deadline (while sanitising an SVG)');
      const element = node as unknown as DomElement;
      if (event.tagName === 'style' && !cssIsSafe(element.textContent ?? '')) element.textContent = '';
    });
    purify.addHook('uponSanitizeAttribute', (_node, event) => {
      const name = event.attrName.toLowerCase();
      const value = event.attrValue;
      const reference = name === 'href' || name === 'xlink:href' || name.endsWith(':href');
      if ((reference && !SAFE_TARGET.test(value)) || (name === 'style' && !cssIsSafe(value)) || (/url\(/i.test(value) && !cssIsSafe(value))) {
        event.keepAttr = false;
      }
    });
    return purify;
  })();
  return loading;
}

/**
 * CSS that loads nothing from outside the document. Escapes could spell any of this in other letters,
 * so CSS with a backslash is refused outright, as is every way to load: @import, image-set(), src(),
 * and url() of anything but a fragment or a raster data URI.
 */
function cssIsSafe(css: string): boolean {
  if (/\\|@import|image-set\(|src\(/i.test(css)) return false;
  for (const [, , target] of css.matchAll(URL_FUNCTION)) if (!SAFE_TARGET.test(target)) return false;
  return true;
}

function notSvg(field: string) {
  return invalidImage(field, 'expected an SVG document with an <svg> element, received none that a sanitiser would keep');
}
