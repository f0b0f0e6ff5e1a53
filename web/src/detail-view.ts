import type { ImageAsset } from '../../gen/image/v1/asset_pb.js';
import { api } from './rpc.js';
import { bytes, h } from './dom.js';
import { section } from './action-form.js';
import { showError } from './errors.js';
import { imageCard, kindName, sourceOf, title } from './images.js';
import { imageStage } from './image-stage.js';
import { paletteSections } from './palette-sections.js';
import { transformSections } from './transform-sections.js';
import { generationSections } from './generation-sections.js';
import { analysisExportSections } from './analysis-export-sections.js';

function facts(a: ImageAsset): HTMLElement {
  const rows: [string, string][] = [
    ['Kind', kindName(a.kind)],
    ['Size', `${a.width} × ${a.height}`],
    ['Type', a.contentType],
    ['Bytes', bytes(a.fileSize)],
    ['Created', a.createdAt ? new Date(Number(a.createdAt.seconds) * 1000).toLocaleString() : ''],
    ['SHA-256', a.sha256],
  ];
  if (a.details.case === 'generated') rows.push(['Prompt', a.details.value.prompt], ['Model', a.details.value.model]);
  if (a.details.case === 'processed') rows.push(['Processing', a.details.value.processingType]);
  return h('dl', { class: 'facts' }, ...rows.filter(([, v]) => v).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

/** One image: metadata, lineage (source and derived, linked), and everything that can be done to it. */
export function detailView(imageId: string): HTMLElement {
  const view = h('div', { class: 'view detail' }, h('p', { role: 'status' }, 'Loading…'));
  api()
    .images.getImage({ imageId })
    .then(({ image }) => {
      if (!image) throw new Error('no image in the answer');
      const stage = imageStage(image);
      const derived = h('div', { class: 'grid', 'data-testid': 'derived' });
      const source = h('div', { class: 'grid' });
      const addDerived = (a: ImageAsset) => derived.prepend(imageCard(a));
      const from = sourceOf(image);
      if (from) api().images.getImage({ imageId: from }).then((r) => r.image && source.append(imageCard(r.image, 'Source')), () => undefined);
      api()
        .images.listImages({ sourceImageId: imageId, pageSize: 24 })
        .then((r) => derived.append(...r.images.map((a) => imageCard(a))), () => undefined);
      view.replaceChildren(
        h('h2', { class: 'title' }, title(image)),
        h('div', { class: 'split' }, stage.element, h('div', {}, facts(image), section('Lineage', h('h3', {}, 'Source'), source, h('h3', {}, 'Derived'), derived))),
        ...paletteSections(image, addDerived),
        transformSections(image, stage, addDerived),
        generationSections(image, addDerived),
        ...analysisExportSections(image, stage),
      );
    })
    .catch((error: unknown) => {
      const box = h('div', { class: 'error', role: 'alert' });
      showError(box, error);
      view.replaceChildren(box);
    });
  return view;
}
