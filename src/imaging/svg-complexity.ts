import { invalidImage, tooLarge } from '../errors/index.js';

/** Bounds on what an SVG makes librsvg do, which nothing interrupts once it renders. */
export interface SvgLimits {
  /** Elements librsvg may draw, with every reference (href="#id", url(#id)) drawn as often as it is referenced. */
  maxSvgElements: number;
  /** Elements nested in elements, the root counting as one. */
  maxSvgDepth: number;
}

/** The DOM members read here (the project compiles without TypeScript's DOM library). */
export interface SvgNode {
  readonly localName: string;
  readonly firstElementChild: SvgNode | null;
  readonly nextElementSibling: SvgNode | null;
  readonly attributes: ArrayLike<{ readonly name: string; readonly value: string }>;
  readonly textContent: string | null;
}

/**
 * Nesting and element count read from the markup itself, before a DOM is built: jsdom spends seconds
 * on ten thousand nested groups and then overflows its stack. The scan follows tags as an HTML or XML
 * parser does (comments, CDATA, quoted and unquoted attribute values, self-closing tags, an end tag
 * closing up to its start tag, a stray one ignored), so markup cannot hide its depth from it.
 */
export function checkSvgMarkup(text: string, limits: SvgLimits, field: string): void {
  const open: string[] = [];
  let elements = 0;
  let deepest = 0;
  for (let at = text.indexOf('<'); at !== -1 && at < text.length; at = text.indexOf('<', at)) {
    if (text.startsWith('<!--', at)) at = after(text, '-->', at + 4);
    else if (text.startsWith('<![CDATA[', at)) at = after(text, ']]>', at + 9);
    else if (text[at + 1] === '?' || text[at + 1] === '!') at = after(text, '>', at + 2);
    else if (text[at + 1] === '/') {
      const name = NAME.exec(text.slice(at + 2, at + 2 + MAX_NAME))?.[0].toLowerCase();
      const index = name === undefined ? -1 : open.lastIndexOf(name);
      if (index !== -1) open.length = index;
      at = after(text, '>', at + 2);
    } else {
      const name = NAME.exec(text.slice(at + 1, at + 1 + MAX_NAME))?.[0].toLowerCase();
      if (name === undefined) {
        at += 1;
        continue;
      }
      const end = tagEnd(text, at + 1 + name.length);
      elements += 1;
      const selfClosing = text[end - 2] === '/';
      if (!selfClosing) open.push(name);
      deepest = Math.max(deepest, open.length + (selfClosing ? 1 : 0));
      at = end;
    }
  }
  if (deepest > limits.maxSvgDepth) throw tooLarge(field, `${limits.maxSvgDepth} levels of nested SVG elements`, `${deepest} levels`, 'SVG_TOO_DEEP');
  if (elements > limits.maxSvgElements) throw tooComplex(field, limits, `${elements} elements in the markup`);
}

/**
 * The sanitised document as librsvg will draw it: every element counts once for itself and once more
 * for each time a reference draws it (an href="#id" other than a link's, url(#id) in an attribute).
 * A style sheet's url(#id) of a pattern, mask, filter or marker may apply to any element, so every
 * element counts it (but not inside itself: no selector makes a pattern fill its own content forever).
 * Counts are memoised per element, so a fan-out of references (each drawing the level below ten times:
 * 10^9 elements from a few hundred bytes) is counted in time linear in the document; a reference cycle
 * is refused.
 */
export function checkSvgReferences(svg: SvgNode, limits: SvgLimits, field: string): void {
  const elements: SvgNode[] = [];
  const byId = new Map<string, SvgNode>();
  // Read once, through sibling links: jsdom's children is a live collection, and indexing it walks the
  // siblings each time (5000 shapes in one group took seconds).
  const childrenOf = new Map<SvgNode, SvgNode[]>();
  for (const stack = [svg]; stack.length > 0; ) {
    const node = stack.pop()!;
    elements.push(node);
    const id = attribute(node, 'id');
    if (id !== undefined && !byId.has(id)) byId.set(id, node);
    const children: SvgNode[] = [];
    for (let child = node.firstElementChild; child !== null; child = child.nextElementSibling) children.push(child);
    childrenOf.set(node, children);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  const find = (ids: string[]) => ids.flatMap((id) => byId.get(id) ?? []);
  const sheets = find(elements.filter((e) => e.localName === 'style').flatMap((e) => fragmentsIn(e.textContent ?? ''))).filter((e) => DRAWS_CONTENT.has(e.localName));
  const drawn = countDrawn(svg, (node) => childrenOf.get(node) ?? [], (node) => find(referencesOf(node)), sheets, field);
  if (drawn > limits.maxSvgElements) throw tooComplex(field, limits, `${Number.isFinite(drawn) ? drawn : 'more than 1e308'} elements once references are drawn`);
}

const NAME = /^[A-Za-z][^\s/>]*/;
const MAX_NAME = 256;
const URL_FRAGMENT = /url\(\s*['"]?#([^'")\s]+)/gi;
/** What a style sheet's url() draws again for each element it applies to (a gradient is only colours). */
const DRAWS_CONTENT = new Set(['pattern', 'mask', 'filter', 'marker']);
/** Elements whose content is drawn only where something refers to them. */
const TEMPLATES = new Set(['defs', 'pattern', 'mask', 'clippath', 'clipPath', 'marker', 'filter', 'symbol', 'lineargradient', 'linearGradient', 'radialgradient', 'radialGradient']);

/**
 * Elements `root` draws, itself included: post-order over an explicit stack (a chain of references can
 * be longer than the call stack). A template's content (defs, pattern, gradient, ...) is drawn only where
 * it is referenced, so as a child it counts once. `everywhere` are drawn by every element; a cycle that
 * runs through one of those is no cycle of the document (a selector may simply match inside the
 * pattern it fills with) and adds nothing, while a cycle of the document's own references is refused.
 */
function countDrawn(
  root: SvgNode,
  childrenOf: (node: SvgNode) => SvgNode[],
  references: (node: SvgNode) => SvgNode[],
  everywhere: SvgNode[],
  field: string,
): number {
  const drawn = new Map<SvgNode, number>();
  /** Where each node being counted is on the stack. */
  const onPath = new Map<SvgNode, number>();
  const frame = (node: SvgNode, lastSoft: number) => {
    const children = childrenOf(node);
    const drawnChildren = children.filter((c) => !TEMPLATES.has(c.localName));
    const deps = [...drawnChildren, ...references(node)].map((dep) => ({ dep, soft: false }));
    for (const dep of everywhere) deps.push({ dep, soft: true });
    // lastSoft: the deepest frame on the path entered through an `everywhere` reference.
    return { node, deps, base: 1 + children.length - drawnChildren.length, at: 0, lastSoft };
  };
  const stack = [frame(root, -1)];
  onPath.set(root, 0);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.at < top.deps.length) {
      const { dep, soft } = top.deps[top.at++];
      if (drawn.has(dep)) continue;
      const at = onPath.get(dep);
      if (at !== undefined) {
        if (!soft && top.lastSoft <= at) throw invalidImage(field, `expected SVG references that form no cycle, received a cycle through ${describe(dep)}`);
        continue;
      }
      onPath.set(dep, stack.length);
      stack.push(frame(dep, soft ? stack.length : top.lastSoft));
      continue;
    }
    drawn.set(top.node, top.deps.reduce((sum, { dep }) => sum + (drawn.get(dep) ?? 0), top.base));
    onPath.delete(top.node);
    stack.pop();
  }
  return drawn.get(root)!;
}

/** Ids an element draws: its href (a link's href draws nothing) and every url(#id) in its attributes. */
function referencesOf(node: SvgNode): string[] {
  const ids: string[] = [];
  for (const { name, value } of Array.from(node.attributes)) {
    const href = name === 'href' || name.endsWith(':href');
    if (href && node.localName !== 'a' && value.trim().startsWith('#')) ids.push(value.trim().slice(1));
    else if (!href) ids.push(...fragmentsIn(value));
  }
  return ids;
}

function fragmentsIn(text: string): string[] {
  return [...text.matchAll(URL_FRAGMENT)].map((m) => m[1]);
}

function attribute(node: SvgNode, name: string): string | undefined {
  return Array.from(node.attributes).find((a) => a.name === name)?.value;
}

function describe(node: SvgNode): string {
  const id = attribute(node, 'id');
  return id === undefined ? `a <${node.localName}> element` : `"#${id}"`;
}

/** The index just past `token` from `from`, or the end of the text. */
function after(text: string, token: string, from: number): number {
  const found = text.indexOf(token, from);
  return found === -1 ? text.length : found + token.length;
}

/** The index just past a start tag's `>`, reading attribute values as parsers do: a quote opens a value only right after `=`. */
function tagEnd(text: string, from: number): number {
  let at = from;
  while (at < text.length) {
    const c = text[at];
    if (c === '>') return at + 1;
    if (c !== '=') {
      at += 1;
      continue;
    }
    at += 1;
    while (at < text.length && /\s/.test(text[at])) at += 1;
    const quote = text[at];
    if (quote === '"' || quote === "'") {
      const close = text.indexOf(quote, at + 1);
      at = close === -1 ? text.length : close + 1;
    }
  }
  return text.length;
}

function tooComplex(field: string, limits: SvgLimits, received: string) {
  return tooLarge(field, `${limits.maxSvgElements} SVG elements`, received, 'SVG_TOO_COMPLEX');
}
