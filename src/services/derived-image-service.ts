import { createHash } from 'node:crypto';
import type { ImageRecord } from '../domain/image-record.js';
import { operationKeyFor } from '../domain/operation-key.js';
import { isAppError } from '../errors/index.js';
import type { EncodeOptions, ImageProcessor, PipelineStep } from '../imaging/image-processor.js';
import { keptFormat, type OutputFormat } from '../imaging/image-formats.js';
import type { Database } from '../persistence/repositories.js';
import type { AssetService } from './asset-service.js';
import { tenantOf, type CallOptions } from './call-options.js';

export interface DeriveRequest {
  sourceImageId: string;
  /** "resize", "crop", "filter", "apply_palette". */
  processingType: string;
  steps: PipelineStep[];
  /** Output format; undefined keeps the source's (png when the source's is not an output format). */
  format?: OutputFormat;
  /**
   * The operation's canonical parameters (JSON of image.v1.ProcessingParams): stored as lineage and
   * hashed with the source content into the derivation key.
   */
  params: Record<string, unknown>;
  /**
   * The operation changes nothing (a recolouring at strength 0): the source's bytes are stored as the
   * result as they are, neither decoded nor re-encoded, so the pixels are exactly the source's.
   */
  unchanged?: boolean;
}


/**
 * Processing of stored images: runs the steps on the source in the pool and stores the result as a
 * ProcessedImage with its lineage. The same operation on the same source returns the image already
 * stored instead of a duplicate; on another source with the same content it shares that result's
 * bytes (no second run in the pool) under a record of the source's own: its id, lineage, filename and
 * metadata. Dedupe shares bytes, never records.
 */
export class DerivedImageService {
  constructor(
    private readonly deps: { assets: AssetService; db: Database; images: ImageProcessor },
  ) {}

  async derive(req: DeriveRequest, call: CallOptions = {}): Promise<{ record: ImageRecord; reused: boolean }> {
    const tenant = tenantOf(call);
    const { record: source, data } = await this.deps.assets.read(req.sourceImageId, call);
    const sourceFormat = source.contentType.replace(/^image\//, '');
    const format = req.unchanged ? sourceFormat : req.format ?? keptFormat(sourceFormat);
    const params = { ...req.params, format };
    const derivationKey = createHash('sha256').update(`${source.sha256}\n${req.processingType}\n${JSON.stringify(params)}`).digest('hex');
    const operationKey = operationKeyFor(source.id, derivationKey);
    const existing = await this.deps.db.images.findByOperationKey(tenant, operationKey);
    if (existing) return { record: existing, reused: true };

    const info = {
      kind: 'processed' as const,
      filename: derivedName(source.filename, req.processingType, format),
      metadata: source.metadata,
      processing: { sourceImageId: source.id, processingType: req.processingType, params },
      operationKey,
      derivationKey,
    };
    try {
      // Only the tenant's own results: whether another tenant made this one must not show (not even as speed).
      const sameBytes = await this.deps.db.images.findByDerivationKey(tenant, derivationKey);
      const shared = sameBytes && (await this.deps.assets.storeSharing(sameBytes, { ...info, declaredContentType: sameBytes.contentType }, call));
      if (shared) return { record: shared, reused: false };
      const encoded = req.unchanged
        ? { data, contentType: source.contentType, width: source.width, height: source.height }
        : await this.deps.images.run(data, { steps: req.steps, output: { format: format as OutputFormat } satisfies EncodeOptions }, call);
      const record = await this.deps.assets.store(
        {
          ...info,
          data: encoded.data,
          declaredContentType: encoded.contentType,
          encoded: { contentType: encoded.contentType, width: encoded.width, height: encoded.height },
        },
        'result',
        call,
      );
      return { record, reused: false };
    } catch (e) {
      // Two identical requests raced: the other one stored it first.
      if (isAppError(e) && e.reason === 'DUPLICATE_KEY') {
        const winner = await this.deps.db.images.findByOperationKey(tenant, operationKey);
        if (winner) return { record: winner, reused: true };
      }
      throw e;
    }
  }
}

function derivedName(filename: string, processingType: string, format: string): string {
  const base = (filename || 'image').replace(/\.[^.]*$/, '');
  return `${base}-${processingType}.${format === 'jpeg' ? 'jpg' : format}`;
}
