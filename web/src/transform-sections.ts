import { Fit, FilterSchema, ColorTransformationSchema } from '../../gen/image/v1/operations_pb.js';
import type { ImageAsset } from '../../gen/image/v1/asset_pb.js';
import { api } from './rpc.js';
import { field, h, numberInput, select } from './dom.js';
import { actionForm, section } from './action-form.js';
import { oneofForm } from './oneof-form.js';
import { imageBytes, imageCard, title } from './images.js';
import type { ImageStage } from './image-stage.js';

/** Resize, crop (drawn on the image or typed), filters and colour transformations; each stores a new image. */
export function transformSections(asset: ImageAsset, stage: ImageStage, onDerived: (a: ImageAsset) => void): HTMLElement {
  const shown = (a: ImageAsset | undefined, result: HTMLElement, what: string) => {
    if (!a) return;
    onDerived(a);
    result.replaceChildren(imageCard(a, `${what}: new image`));
    return `${what}: stored as a new image.`;
  };

  const width = numberInput('width', Math.min(asset.width, 800), 0);
  const height = numberInput('height', 0, 0);
  const fit = select('fit', [[String(Fit.INSIDE), 'inside'], [String(Fit.COVER), 'cover'], [String(Fit.CONTAIN), 'contain'], [String(Fit.FILL), 'fill']]);
  const resize = actionForm(
    'Resize',
    [h('div', { class: 'row' }, field('Width', width, '0: from height'), field('Height', height, '0: from width'), field('Fit', fit))],
    async ({ result }) => shown((await api().images.resizeImage({ imageId: asset.imageId, width: Number(width.value), height: Number(height.value), fit: Number(fit.value) })).image, result, 'Resized'),
    'resize',
  );

  const box = { x: numberInput('x', 0, 0), y: numberInput('y', 0, 0), width: numberInput('width', Math.round(asset.width / 2), 1), height: numberInput('height', Math.round(asset.height / 2), 1) };
  const typed = () => ({ x: Number(box.x.value), y: Number(box.y.value), width: Number(box.width.value), height: Number(box.height.value) });
  stage.onCrop((r) => {
    box.x.value = String(r.x);
    box.y.value = String(r.y);
    box.width.value = String(r.width);
    box.height.value = String(r.height);
  });
  for (const input of Object.values(box)) input.addEventListener('input', () => stage.showCrop(typed()));
  const crop = actionForm(
    'Crop',
    [h('p', { class: 'hint' }, 'Drag on the image to draw the region, or type it in pixels.'), h('div', { class: 'row' }, field('X', box.x), field('Y', box.y), field('Width', box.width), field('Height', box.height))],
    async ({ result }) => {
      const r = await api().images.cropImage({ imageId: asset.imageId, ...typed() });
      stage.showCrop(null);
      return shown(r.image, result, 'Cropped');
    },
    'crop',
  );

  const filter = oneofForm(FilterSchema, 'sepia');
  const filtered = actionForm(
    'Apply filter',
    [filter.controls],
    async ({ result }) => shown((await api().images.applyFilter({ imageId: asset.imageId, filter: { filterType: filter.value() as never } })).image, result, filter.label()),
    'filter',
  );

  // ApplyColorTransformations is stateless (bytes in, bytes out); the result is stored as a new upload
  // that records its source in its metadata, so it joins this image's lineage.
  const colour = oneofForm(ColorTransformationSchema, 'temperature');
  const coloured = actionForm(
    'Transform colours',
    [colour.controls],
    async ({ result, status }) => {
      status.textContent = 'Transforming…';
      const r = await api().processing.applyColorTransformations({ imageData: await imageBytes(asset.imageId), transformations: [{ kind: colour.value() as never }] });
      if (!r.image) return;
      status.textContent = 'Storing the result…';
      const stored = await api().images.uploadImage({
        fileData: r.image.data,
        filename: `${title(asset).replace(/\.[^.]+$/, '')}-${colour.value().case}.${r.image.format}`,
        contentType: r.image.contentType,
        metadata: { derived_from: asset.imageId, color_transformation: colour.value().case },
      });
      return shown(stored.image, result, colour.label());
    },
    'colour',
  );
  return section('Transform', resize, crop, filtered, coloured);
}
