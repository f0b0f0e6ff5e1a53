import type { Readable } from 'node:stream';
import { TENANT_PATTERN } from '../auth/principal.js';
import { negotiateFormat } from '../delivery/negotiate-format.js';
import { canonicalRendition, resolveTransform, type Presets, type Rendition } from '../delivery/presets.js';
import { canonicalTransform, checkTransform, isPresetOnly, parseTransformText, type Transform } from '../delivery/transform.js';
import { fieldNotAllowed, invalidArgument, storageUnavailable } from '../errors/index.js';
import { formatOfContentType, type OutputFormat } from '../imaging/image-formats.js';
import type { EncodedImage, ImageProcessor, PipelineStep } from '../imaging/image-processor.js';
import type { DerivativeRecord, DerivativeRepository, PlaceholderRecord } from '../persistence/repositories.js';
import type { BlobStore } from '../storage/blob-store.js';
import { sha256Hex } from '../storage/blob-key.js';
import type { UrlSigner } from '../storage/url-signer.js';
import { SingleFlight } from '../util/single-flight.js';
import { checkIntInRange } from '../validation/check.js';
import type { AssetService } from './asset-service.js';
import type { DerivativeSource } from './recent-sources.js';
import type { CallOptions } from './call-options.js';
import type { DerivativeCache } from './derivative-cache.js';

export interface DerivativeServiceDeps {
  assets: AssetService;
  /** The images' rows are read within the tenant a URL names (assets reads within the caller's). */
  images: { get(tenant: string, id: string): Promise<DerivativeSource | undefined> };
  repository: DerivativeRepository;
  blobs: BlobStore;
  pool: ImageProcessor;
  cache: DerivativeCache;
  signer: UrlSigner;
  /** Base of derivative URLs: the CDN's when one fronts the service, else the service's own. */
  baseUrl: () => string;
  presets: Presets;
  onlyPresets: boolean;
  maxOutputDimension: number;
  maxSrcsetWidths: number;
  urls: { defaultExpirySeconds: number; maxExpirySeconds: number };
  now?: () => Date;
}

export interface DerivativeUrls {
  url: string;
  expiresAt: Date;
  /** Smallest first; `width` is the rendered width, the srcset's `w` descriptor. */
  srcset: { url: string; width: number }[];
  placeholder?: PlaceholderRecord;
}

/** A derivative ready to send: the stored row (size, ETag, dates) and its bytes. */
export interface DerivativeDownload {
  record: DerivativeRecord;
  /** In memory (just rendered, or a hot entry), or streamed from the blob store. */
  body: Buffer | Readable;
  /** The format was negotiated from Accept: the response varies by it. */
  variesByAccept: boolean;
  /** Epoch seconds when the URL expires. */
  expiresAt: number;
  /** Served from the result cache (false: rendered for this request). */
  cached: boolean;
}

/** What a derivative URL's query carries. */
export interface DerivativeQuery {
  tenant: string;
  transform: string;
  exp: string;
  sig: string;
}

/**
 * Derivatives by URL: signs URLs that name an image, a transform and an expiry, and serves them. A
 * miss renders in the worker pool once however many ask at the same time (single flight, per
 * instance; across instances the content-addressed key makes a second render harmless), stores the
 * result in the persistent result cache, and later requests stream it from there.
 */
export class DerivativeService {
  private readonly now: () => Date;
  private readonly renders = new SingleFlight<{ record: DerivativeRecord; data: Buffer }>();

  constructor(private readonly deps: DerivativeServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Signed derivative URLs for the caller's image, a srcset when widths are given, and its placeholder. */
  async urls(imageId: string, request: { transform: Transform; widths: readonly number[]; expirationSeconds?: number }, call: CallOptions = {}): Promise<DerivativeUrls> {
    const { maxOutputDimension, onlyPresets, urls } = this.deps;
    const transform = checkTransform(request.transform, 'transform', maxOutputDimension);
    if (onlyPresets && (transform.preset === undefined || !isPresetOnly(transform))) {
      throw fieldNotAllowed('transform', `only a preset (${[...this.deps.presets.keys()].join(', ')}) is allowed here (ONLY_PRESETS), received ${canonicalTransform(transform) || 'none'}`, 'ONLY_PRESETS');
    }
    if (onlyPresets && request.widths.length > 0) throw fieldNotAllowed('widths', 'widths are not allowed here (ONLY_PRESETS): use presets', 'ONLY_PRESETS');
    const rendition = resolveTransform(transform, this.deps.presets, 'transform', maxOutputDimension);
    const widths = this.checkWidths(request.widths);
    const seconds = request.expirationSeconds ?? urls.defaultExpirySeconds;
    checkIntInRange('expiration', seconds, 1, urls.maxExpirySeconds);
    const record = await this.deps.assets.get(imageId, call);
    const expiresAtSeconds = Math.floor(this.now().getTime() / 1000) + seconds;
    const urlOf = (t: Transform) => `${this.deps.baseUrl()}${this.deps.signer.derivativePathFor(record.tenant, record.id, canonicalTransform(t), expiresAtSeconds)}`;
    const srcset = widths.map((width) => {
      // The box keeps its shape: its height scales with each width (dpr multiplies both alike).
      const height = rendition.width && rendition.height ? Math.max(1, Math.round((rendition.height * width) / rendition.width)) : undefined;
      const sized: Transform = { ...transform, width, height };
      return { url: urlOf(sized), width: Math.round(width * (transform.dpr ?? 1)) };
    });
    return {
      url: urlOf(transform),
      expiresAt: new Date(expiresAtSeconds * 1000),
      srcset,
      placeholder: widths.length > 0 ? await this.placeholder(record, call) : undefined,
    };
  }

  /**
   * The derivative behind a signed URL, found only within the tenant it was signed for. 'forbidden'
   * for a bad or expired signature (a prober learns nothing about which ids exist) and for a transform
   * ONLY_PRESETS no longer allows; 'gone' when the image is not there. Throws AppErrors for a transform
   * that cannot be rendered, limits and overload.
   */
  async open(imageId: string, query: DerivativeQuery, accept: string | undefined): Promise<DerivativeDownload | 'forbidden' | 'gone'> {
    const expiresAt = Number(query.exp);
    if (!Number.isSafeInteger(expiresAt) || !query.sig || !TENANT_PATTERN.test(query.tenant)) return 'forbidden';
    const verdict = this.deps.signer.verifyDerivative(query.tenant, imageId, query.transform, expiresAt, query.sig, this.now().getTime() / 1000);
    if (verdict !== 'ok') return 'forbidden';
    const { maxOutputDimension, presets } = this.deps;
    const transform = checkTransform(parseTransformText(query.transform, 'transform'), 'transform', maxOutputDimension);
    if (this.deps.onlyPresets && (transform.preset === undefined || !isPresetOnly(transform))) return 'forbidden';
    const rendition = resolveTransform(transform, presets, 'transform', maxOutputDimension);
    const record = await this.deps.images.get(query.tenant, imageId);
    if (!record) return 'gone';
    const source = formatOfContentType(record.contentType);
    if (!source) return 'gone';
    const format = negotiateFormat(rendition.format, accept, source);
    const key = sha256Hex(Buffer.from(`${record.sha256}\n${canonicalRendition(rendition)}\n${format}`));
    const variesByAccept = rendition.format === 'auto';
    const hit = await this.deps.cache.lookup(key);
    if (hit) return { record: hit.record, body: hit.body, variesByAccept, expiresAt, cached: true };
    const rendered = await this.renders.run(key, async () => {
      const image = await this.render(record, rendition, format);
      return { record: await this.deps.cache.store(key, image), data: image.data };
    });
    return { record: rendered.record, body: rendered.data, variesByAccept, expiresAt, cached: false };
  }

  /** The resize and encode steps every RPC uses, in the worker pool; its pixel limits apply before any decode. */
  private async render(record: DerivativeSource, rendition: Rendition, format: OutputFormat): Promise<EncodedImage> {
    const data = await this.deps.blobs.get(record.storagePath);
    if (!data) throw storageUnavailable(`the bytes of image ${record.id} are missing from the blob store`);
    const steps: PipelineStep[] = [];
    if (rendition.width !== undefined || rendition.height !== undefined) {
      steps.push({
        op: 'resize',
        width: rendition.width,
        height: rendition.height,
        fit: rendition.fit,
        position: rendition.gravity,
        // A derivative never invents pixels: a srcset width past the source serves the source's size.
        withoutEnlargement: true,
        field: 'transform',
      });
    }
    return this.deps.pool.run(data, { steps, output: { format, quality: rendition.quality, field: 'transform' } }, { field: 'transform', giveInput: true });
  }

  /** The image content's placeholder: computed once from a tiny decode in the pool, then read from the database. */
  private async placeholder(record: DerivativeSource, call: CallOptions): Promise<PlaceholderRecord> {
    const stored = await this.deps.repository.placeholder(record.sha256);
    if (stored) return stored;
    const data = await this.deps.blobs.get(record.storagePath);
    if (!data) throw storageUnavailable(`the bytes of image ${record.id} are missing from the blob store`);
    const computed = await this.deps.pool.compute(data, 'placeholder', {}, { signal: call.signal, deadline: call.deadline, field: 'image_id', giveInput: true });
    const placeholder = { sha256: record.sha256, ...computed };
    await this.deps.repository.savePlaceholder(placeholder);
    return placeholder;
  }

  private checkWidths(widths: readonly number[]): number[] {
    if (widths.length > this.deps.maxSrcsetWidths) throw invalidArgument('widths', `at most ${this.deps.maxSrcsetWidths} widths`, `${widths.length} widths`);
    widths.forEach((w, i) => checkIntInRange(`widths[${i}]`, w, 1, this.deps.maxOutputDimension));
    return [...new Set(widths)].sort((a, b) => a - b);
  }
}
