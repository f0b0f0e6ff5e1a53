import { create } from '@bufbuild/protobuf';
import { DurationSchema } from '@bufbuild/protobuf/wkt';
import { ImageKind, type ImageAsset } from '../../gen/image/v1/asset_pb.js';
import { api } from './rpc.js';
import { h } from './dom.js';

const urls = new Map<string, Promise<string>>();

/** A signed /files URL for the image (GetImageUrl), asked for once per image and page. */
function imageUrl(imageId: string): Promise<string> {
  let url = urls.get(imageId);
  if (!url) {
    url = api()
      .images.getImageUrl({ imageId, expiration: create(DurationSchema, { seconds: 3600n }) })
      .then((r) => r.url);
    url.catch(() => urls.delete(imageId));
    urls.set(imageId, url);
  }
  return url;
}

export function forgetUrls(): void {
  urls.clear();
}

/** An <img> sized to the image's aspect ratio at once (a placeholder until the signed URL loads). */
export function imageElement(asset: ImageAsset, alt: string, className = 'thumb'): HTMLImageElement {
  const img = h('img', { class: className, alt, width: asset.width || undefined, height: asset.height || undefined, loading: 'lazy', decoding: 'async' });
  imageUrl(asset.imageId).then(
    (url) => (img.src = url),
    () => img.classList.add('broken'),
  );
  return img;
}

export function kindName(kind: ImageKind): string {
  return ImageKind[kind]?.toLowerCase() ?? 'unknown';
}

export function title(asset: ImageAsset): string {
  return asset.filename || asset.imageId;
}

/** A linked card for an image: in the gallery, in lineage lists and as the result of an operation. */
export function imageCard(asset: ImageAsset, caption?: string): HTMLElement {
  return h(
    'figure',
    { class: 'card', 'data-image-id': asset.imageId },
    h('a', { href: `#/image/${asset.imageId}`, 'aria-label': `${title(asset)}, ${kindName(asset.kind)}, ${asset.width} by ${asset.height}` }, imageElement(asset, '')),
    h('figcaption', {}, caption ?? title(asset), h('small', {}, ` ${kindName(asset.kind)} · ${asset.width}×${asset.height}`)),
  );
}

/** The stored bytes, for the stateless ProcessingService calls that take image data. */
export async function imageBytes(imageId: string): Promise<Uint8Array> {
  return (await api().images.getImage({ imageId, includeData: true })).data;
}

export function blobUrl(data: Uint8Array, contentType: string): string {
  return URL.createObjectURL(new Blob([data as Uint8Array<ArrayBuffer>], { type: contentType }));
}

/** Where an image came from: a processed image's source or a generated variation's or refinement's. */
export function sourceOf(asset: ImageAsset): string | undefined {
  if (asset.details.case === 'processed') return asset.details.value.sourceImageId || undefined;
  if (asset.details.case === 'generated') return asset.details.value.generationParams?.sourceImageId || undefined;
  const from = asset.metadata?.derived_from;
  return typeof from === 'string' ? from : undefined;
}
