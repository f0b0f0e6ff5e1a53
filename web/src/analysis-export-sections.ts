import type { ImageAsset } from '../../gen/image/v1/asset_pb.js';
import type { AnalyzeImageResponse } from '../../gen/image/v1/processing_service_pb.js';
import { api } from './rpc.js';
import { field, h, select, slider } from './dom.js';
import { actionForm, section } from './action-form.js';
import { imageBytes, title } from './images.js';
import type { ImageStage } from './image-stage.js';

function bar(label: string, value: number, max: number, text = value.toFixed(2)): HTMLElement {
  const meter = h('meter', { min: 0, max, value, 'aria-label': label });
  return h('div', { class: 'score' }, h('span', {}, label), meter, h('span', { class: 'value' }, text));
}

function table(caption: string, rows: [string, string | number | undefined][]): HTMLElement {
  const shown = rows.filter(([, v]) => v !== undefined && v !== '' && v !== 0);
  const body = shown.length ? shown.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, String(v)))) : [h('tr', {}, h('td', { colspan: 2 }, 'None in this image.'))];
  return h('table', {}, h('caption', {}, caption), h('tbody', {}, ...body));
}

function report(a: AnalyzeImageResponse): HTMLElement {
  const c = a.composition;
  const q = a.quality;
  const m = a.metadata;
  const exif = m?.exif;
  return h(
    'div',
    { class: 'analysis', 'data-testid': 'analysis' },
    h(
      'div',
      { class: 'scores' },
      q ? bar('Quality', q.overallScore, 100, q.overallScore.toFixed(0)) : null,
      c ? bar('Composition', c.score, 100, c.score.toFixed(0)) : null,
      c ? bar('Rule of thirds', c.ruleOfThirds, 1) : null,
      c ? bar('Symmetry', c.symmetry, 1) : null,
      c ? bar('Edge density', c.edgeDensity, 1) : null,
      q ? bar('Contrast', q.contrast, 1) : null,
      q ? bar('Entropy', q.entropy, 8, `${q.entropy.toFixed(2)} bits`) : null,
      a.colors ? bar('Colourfulness', a.colors.colorfulness, 150, a.colors.colorfulness.toFixed(0)) : null,
    ),
    table('Image', [
      ['Format', m?.format],
      ['Size', m ? `${m.width} × ${m.height}` : undefined],
      ['Channels', m?.channels],
      ['Colour space', m?.colorSpace],
      ['ICC profile', m?.iccProfile],
      ['Density', m?.density],
      ['Sharpness', q?.sharpness.toFixed(1)],
      ['Noise σ', q?.noise.toFixed(2)],
      ['Perceptual hash', a.hashes?.phash],
    ]),
    table('EXIF', [
      ['Camera make', exif?.cameraMake],
      ['Camera model', exif?.cameraModel],
      ['Date taken', exif?.dateTaken],
      ['Orientation', exif?.orientation],
    ]),
  );
}

/** Analysis drawn on the image and in a report; export in a chosen format and quality, downloaded. */
export function analysisExportSections(asset: ImageAsset, stage: ImageStage): HTMLElement[] {
  const analyse = actionForm(
    'Analyse',
    [h('p', { class: 'hint' }, 'Scores, the focal point and the thirds drawn on the image, and the EXIF summary.')],
    async ({ result }) => {
      const a = await api().processing.analyzeImage({ imageData: await imageBytes(asset.imageId) });
      stage.showComposition(a.composition?.focalPoint ?? null);
      result.replaceChildren(report(a));
      return 'Analysed.';
    },
    'analyse',
  );

  const format = select('format', [['webp', 'WebP'], ['avif', 'AVIF'], ['jpeg', 'JPEG'], ['png', 'PNG'], ['tiff', 'TIFF'], ['gif', 'GIF']], 'webp');
  const quality = slider('quality', 80, 1, 100, 1);
  const keep = h('input', { type: 'checkbox', name: 'include_metadata' });
  const exported = actionForm(
    'Export',
    [h('div', { class: 'row' }, field('Format', format), field('Quality', quality.input, undefined, quality.wrap)), field('Keep metadata', keep)],
    async ({ result }) => {
      const r = await api().images.exportImage({ imageId: asset.imageId, format: format.value, quality: Number(quality.input.value), includeMetadata: keep.checked });
      const name = `${title(asset).replace(/\.[^.]+$/, '')}.${r.format}`;
      const href = URL.createObjectURL(new Blob([r.data as Uint8Array<ArrayBuffer>], { type: r.contentType }));
      const link = h('a', { href, download: name, 'data-testid': 'download' }, `Download ${name} again (${r.width}×${r.height}, ${(Number(r.fileSize) / 1024).toFixed(1)} KB)`);
      result.replaceChildren(link);
      link.click();
      return `Exported ${name}.`;
    },
    'export',
  );
  return [section('Analysis', analyse), section('Export', exported)];
}
