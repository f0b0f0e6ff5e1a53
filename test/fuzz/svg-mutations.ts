import { intBetween, pick, type Mutated, type Mutation, type Random } from './mutation.js';

const ROOT = /<svg\b[^>]*>/i;

/** Sizes as SVG writes them: huge, zero, negative, not numbers, percentages, exponents. */
const ABSURD_LENGTHS = ['1e9', '100000', '99999999', '65535', '30000', '0', '-1', 'NaN', '1e308', '100000%', '0.0000001', 'inherit', ''];

function inRoot(data: Buffer, change: (svg: string, root: RegExpExecArray) => { svg: string; what: string }): Mutated | undefined {
  const text = data.toString('utf8');
  const root = ROOT.exec(text);
  if (!root) return undefined;
  const { svg, what } = change(text, root);
  return { data: Buffer.from(svg, 'utf8'), what };
}

/** Inserts markup right after the root element's start tag. */
function insideRoot(data: Buffer, make: (random: Random) => { markup: string; what: string }, random: Random): Mutated | undefined {
  return inRoot(data, (svg, root) => {
    const { markup, what } = make(random);
    const at = root.index + root[0].length;
    return { svg: svg.slice(0, at) + markup + svg.slice(at), what };
  });
}

function setRootAttribute(svg: string, root: RegExpExecArray, name: string, value: string | undefined): string {
  const without = root[0].replace(new RegExp(`\\s${name}="[^"]*"`, 'i'), '');
  const tag = value === undefined ? without : without.replace(/^<svg\b/i, `<svg ${name}="${value}"`);
  return svg.slice(0, root.index) + tag + svg.slice(root.index + root[0].length);
}

/** <use> elements that each draw the previous level `fan` times: fan^levels shapes from a few hundred bytes. */
function useFanOut(levels: number, fan: number): string {
  let defs = '<rect id="u0" width="1" height="1"/>';
  for (let level = 1; level <= levels; level++) {
    defs += `<g id="u${level}">${Array.from({ length: fan }, () => `<use href="#u${level - 1}"/>`).join('')}</g>`;
  }
  return `<defs>${defs}</defs><use href="#u${levels}"/>`;
}

const HOSTILE_CONTENT: ((random: Random) => { markup: string; what: string })[] = [
  (random) => {
    const depth = pick(random, [100, 1000, 10_000, 50_000]);
    return { markup: '<g>'.repeat(depth) + '<rect width="5" height="5"/>' + '</g>'.repeat(depth), what: `${depth} nested groups` };
  },
  (random) => {
    const depth = pick(random, [10, 100, 1000]);
    return { markup: '<svg width="100000" height="100000">'.repeat(depth) + '</svg>'.repeat(depth), what: `${depth} nested huge svg elements` };
  },
  (random) => {
    const [levels, fan] = pick(random, [[9, 10], [20, 2], [5, 50]] as const);
    return { markup: useFanOut(levels, fan), what: `<use> fan-out ${fan}^${levels}` };
  },
  () => ({ markup: '<defs><g id="a"><use href="#b"/></g><g id="b"><use href="#a"/></g></defs><use href="#a"/>', what: '<use> cycle' }),
  (random) => {
    const count = pick(random, [1000, 5000]);
    return { markup: Array.from({ length: count }, (_, i) => `<rect x="${i % 64}" y="${i % 48}" width="3" height="3"/>`).join(''), what: `${count} rects` };
  },
  (random) => {
    const filter = pick(random, [
      '<feGaussianBlur stdDeviation="1000000"/>',
      '<feTurbulence baseFrequency="0.9" numOctaves="1000000000"/>',
      '<feMorphology operator="dilate" radius="1000000"/>',
      '<feConvolveMatrix order="1000" kernelMatrix="1"/>',
      '<feImage href="#r"/><feTile/>',
    ]);
    return {
      markup: `<filter id="f" x="-1000000" y="-1000000" width="10000000" height="10000000" filterUnits="userSpaceOnUse">${filter}</filter><rect id="r" width="64" height="48" filter="url(#f)"/>`,
      what: `filter ${filter.slice(1, filter.indexOf(' '))} over a huge region`,
    };
  },
  () => ({
    markup: '<pattern id="p" width="0.0001" height="0.0001" patternUnits="userSpaceOnUse"><rect width="0.00005" height="0.00005"/></pattern><rect width="64" height="48" fill="url(#p)"/>',
    what: 'a pattern with a tiny tile',
  }),
  (random) => {
    const markup = pick(random, [
      '<script>alert(document.domain)</script>',
      '<rect width="10" height="10" onload="alert(1)" onclick="alert(2)"/>',
      '<image href="http://127.0.0.1:1/x.png" width="10" height="10"/>',
      '<image href="file:///etc/passwd" width="10" height="10"/>',
      '<image href="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHdpZHRoPSIxZTkiIGhlaWdodD0iMWU5Ii8+" width="10" height="10"/>',
      '<foreignObject width="100" height="100"><body xmlns="http://www.w3.org/1999/xhtml"><iframe src="javascript:alert(1)"/></body></foreignObject>',
      '<a href="javascript:alert(1)"><rect width="10" height="10"/></a>',
      '<style>@import url(http://127.0.0.1:1/x.css); rect { fill: url(http://127.0.0.1:1/x.svg#p) }</style>',
    ]);
    return { markup, what: `active or external content: ${markup.slice(0, 40)}` };
  },
  (random) => {
    const size = pick(random, ['1e9', '100000', '1e308']);
    return { markup: `<text x="0" y="40" font-size="${size}">${'W'.repeat(intBetween(random, 1, 5000))}</text>`, what: `text with font-size ${size}` };
  },
];

const ENTITIES: { doctype: string; use: string; what: string }[] = [
  {
    // The classic billion laughs: ten levels of ten references.
    doctype: `<!DOCTYPE svg [<!ENTITY l0 "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`).join('')}]>`,
    use: '<text y="20">&l9;</text>',
    what: 'entity expansion (billion laughs)',
  },
  { doctype: '<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>', use: '<text y="20">&x;</text>', what: 'external entity (file)' },
  { doctype: '<!DOCTYPE svg [<!ENTITY x SYSTEM "http://127.0.0.1:1/x">]>', use: '<text y="20">&x;</text>', what: 'external entity (http)' },
  { doctype: '<!DOCTYPE svg [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>', use: '', what: 'external parameter entity' },
  { doctype: '<!DOCTYPE svg [<!ENTITY a "&b;"><!ENTITY b "&a;">]>', use: '<text y="20">&a;</text>', what: 'recursive entities' },
  { doctype: '', use: '<text y="20">&undefined; &#0; &#xFFFFFFFF; &#99999999999;</text>', what: 'undefined and out-of-range references' },
];

export const svgMutations: Mutation[] = [
  {
    name: 'root size',
    apply: (data, random) =>
      inRoot(data, (svg, root) => {
        const width = pick(random, ABSURD_LENGTHS);
        const height = pick(random, ABSURD_LENGTHS);
        const sized = setRootAttribute(svg, root, 'width', width);
        return { svg: setRootAttribute(sized, ROOT.exec(sized)!, 'height', height), what: `root width="${width}" height="${height}"` };
      }),
  },
  {
    name: 'viewBox',
    apply: (data, random) =>
      inRoot(data, (svg, root) => {
        const viewBox = pick(random, ['0 0 1e9 1e9', '0 0 0 0', '0 0 -1 -1', '1e308 1e308 1e308 1e308', '0 0 0.000001 0.000001', 'NaN NaN NaN NaN', '0 0 100000 1']);
        let out = setRootAttribute(svg, root, 'viewBox', viewBox);
        // Without width and height the renderer sizes the image from the viewBox.
        const sizeless = random() < 0.5;
        if (sizeless) for (const name of ['width', 'height']) out = setRootAttribute(out, ROOT.exec(out)!, name, undefined);
        return { svg: out, what: `viewBox="${viewBox}"${sizeless ? ' without width and height' : ''}` };
      }),
  },
  { name: 'hostile content', apply: (data, random) => insideRoot(data, (r) => pick(r, HOSTILE_CONTENT)(r), random) },
  {
    name: 'entities',
    apply: (data, random) =>
      inRoot(data, (svg, root) => {
        const entity = pick(random, ENTITIES);
        const body = svg.slice(root.index);
        const at = ROOT.exec(body)![0].length;
        // The doctype goes before the root element, after any XML declaration.
        return { svg: `<?xml version="1.0"?>${entity.doctype}${body.slice(0, at)}${entity.use}${body.slice(at)}`, what: entity.what };
      }),
  },
  {
    name: 'malformed markup',
    apply(data, random) {
      const text = data.toString('utf8');
      const change = pick(random, [
        { what: 'unclosed root', svg: text.replace(/<\/svg>\s*$/i, '') },
        { what: 'a stray closing tag', svg: text.replace(ROOT, (m) => `${m}</g></g>`) },
        { what: 'a NUL byte', svg: text.replace(ROOT, (m) => `${m}\u0000`) },
        { what: 'an attribute without quotes', svg: text.replace(ROOT, (m) => m.replace(/>$/, ' width=100 >')) },
        { what: 'a million-character attribute', svg: text.replace(ROOT, (m) => m.replace(/>$/, ` data-x="${'x'.repeat(1_000_000)}">`)) },
      ]);
      if (random() < 0.2) {
        // Bytes that are not UTF-8 at all (the seeds are ASCII, so latin1 keeps the rest as it was).
        return { data: Buffer.from(text.replace(ROOT, (m) => `${m}<text>\xff\xfe\xc0\x80</text>`), 'latin1'), what: 'invalid UTF-8' };
      }
      return { data: Buffer.from(change.svg, 'utf8'), what: change.what };
    },
  },
];
