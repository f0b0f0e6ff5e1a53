import { PaletteType, type Palette } from '../../gen/image/v1/palette_pb.js';
import type { ImageAsset } from '../../gen/image/v1/asset_pb.js';
import { api } from './rpc.js';
import { field, h, numberInput, select, slider } from './dom.js';
import { actionForm, section } from './action-form.js';
import { blobUrl, imageBytes, imageCard, imageElement } from './images.js';

const typeName = (t: PaletteType) => (PaletteType[t] ?? '').toLowerCase().replace(/_/g, ' ');

/** Swatches with name, hex and proportion; the palette's name and type as its caption. */
function swatches(p: Palette): HTMLElement {
  return h(
    'figure',
    { class: 'palette', 'data-testid': 'palette' },
    h('figcaption', {}, p.name || typeName(p.type), h('small', {}, ` ${typeName(p.type)} · ${p.colors.length} colours`)),
    h(
      'ul',
      { class: 'swatches' },
      ...p.colors.map((c) => {
        const chip = h('span', { class: 'chip', 'aria-hidden': 'true' });
        chip.style.background = c.hex;
        return h('li', {}, chip, h('span', { class: 'name' }, c.name || c.hex), h('code', {}, c.hex), c.proportion ? h('small', {}, `${(c.proportion * 100).toFixed(1)}%`) : null);
      }),
    ),
  );
}

/** Extract palettes (type and count), apply one with a strength and compare, and theme text to palettes. */
export function paletteSections(asset: ImageAsset, onDerived: (a: ImageAsset) => void): HTMLElement[] {
  const palettes: Palette[] = [];
  const target = select('palette_id', []);
  const listed = h('div', { class: 'palettes' });
  const remember = (p: Palette) => {
    palettes.push(p);
    listed.append(swatches(p));
    target.append(h('option', { value: p.paletteId }, `${p.name || typeName(p.type)} (${p.colors.map((c) => c.hex).join(' ')})`));
  };
  api()
    .images.listPalettes({ sourceImageId: asset.imageId, pageSize: 20 })
    .then((r) => r.palettes.forEach(remember), () => undefined);

  const types = Object.values(PaletteType).filter((v): v is PaletteType => typeof v === 'number' && v !== PaletteType.UNSPECIFIED && v !== PaletteType.THEME);
  const type = select('palette_type', types.map((t) => [String(t), typeName(t)]), String(PaletteType.DOMINANT));
  const count = numberInput('num_colors', 6, 2, 12);
  const extract = actionForm(
    'Extract palette',
    [field('Type', type), field('Colours', count)],
    async () => {
      const r = await api().images.generateColorPalette({ imageId: asset.imageId, paletteType: Number(type.value), numColors: Number(count.value) });
      if (r.palette) remember(r.palette);
      return `Extracted a ${typeName(Number(type.value))} palette.`;
    },
    'extract-palette',
  );

  const strength = slider('strength', 0.8, 0, 1, 0.05);
  const apply = actionForm(
    'Apply palette',
    [field('Palette', target), field('Strength', strength.input, undefined, strength.wrap)],
    async ({ result }) => {
      const r = await api().images.applyPaletteToImage({ imageId: asset.imageId, target: { case: 'paletteId', value: target.value }, strength: Number(strength.input.value) });
      if (!r.image) return;
      onDerived(r.image);
      result.replaceChildren(compare(asset, r.image));
      return 'Recoloured: a new image was stored.';
    },
    'apply-palette',
  );

  const theme = h('input', { type: 'text', name: 'theme_description', value: 'ocean sunset' });
  const themeCount = numberInput('num_palettes', 3, 1, 8);
  const themed = actionForm(
    'Theme to palettes',
    [field('Theme', theme, 'For example "calm forest morning".'), field('Palettes', themeCount)],
    async ({ result }) => {
      const r = await api().processing.generateAndApplyPalette({ imageData: await imageBytes(asset.imageId), themeDescription: theme.value, numPalettes: Number(themeCount.value) });
      result.replaceChildren(
        ...r.results.map((t) =>
          h('div', { class: 'themed' }, t.palette ? swatches(t.palette) : null, t.image ? h('img', { class: 'thumb', alt: `Recoloured with ${t.palette?.name ?? 'the palette'}`, src: blobUrl(t.image.data, t.image.contentType) }) : null),
        ),
      );
      return `${r.results.length} themed palettes.`;
    },
    'theme',
  );
  return [section('Palettes', extract, listed), section('Recolour', apply, themed)];
}

/** Before and after, side by side; a slider reveals the after image over the before one. */
function compare(before: ImageAsset, after: ImageAsset): HTMLElement {
  const top = imageElement(after, 'After');
  const wipe = slider('compare', 50, 0, 100, 1);
  wipe.input.setAttribute('aria-label', 'Before/after split, percent of after shown');
  const layers = h('div', { class: 'compare' }, imageElement(before, 'Before'), top);
  const update = () => (top.style.clipPath = `inset(0 0 0 ${100 - Number(wipe.input.value)}%)`);
  wipe.input.addEventListener('input', update);
  update();
  return h('div', { class: 'before-after', 'data-testid': 'before-after' }, layers, wipe.wrap, imageCard(after, 'After (new image)'));
}
