import { createHash } from 'node:crypto';
import type { ImageRecord } from '../domain/image-record.js';
import { isAppError } from '../errors/index.js';
import type { EncodeOptions, ImageProcessor, PipelineStep } from '../imaging/image-processor.js';
import { keptFormat, type OutputFormat } from '../imaging/image-formats.js';
import type { Database } from '../persistence/repositories.js';
import type { AssetService } from './asset-service.js';
import type { CallOptions } from './call-options.js';

export interface DeriveRequest {
  sourceImageId: string;
  /** "resize", "crop", "filter", "apply_palette". */
  processingType: string;
  steps: PipelineStep[];
  /** Output format; undefined keeps the source's (png when the source's is not an output format). */
  format?: OutputFormat;
  /**
   * The operation's canonical parameters (JSON of image.v1.ProcessingParams): stored as lineage and
   * hashed with the source content into the dedupe key.
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
 * ProcessedImage with its lineage. The same operation on the same source content returns the image
 * already stored instead of a duplicate.
 */
export class DerivedImageService {
  constructor(
    private readonly deps: { assets: AssetService; db: Database; images: ImageProcessor },
  ) {}

  async derive(req: DeriveRequest, call: CallOptions = {}): Promise<{ record: ImageRecord; reused: boolean }> {
    const { record: source, data } = await this.deps.assets.read(req.sourceImageId);
    const sourceFormat = source.contentType.replace(/^image\//, '');
    const format = req.unchanged ? sourceFormat : req.format ?? keptFormat(sourceFormat);
    const params = { ...req.params, format };
    const operationKey = createHash('sha256').update(`${source.sha256}\n${req.processingType}\n${JSON.stringify(params)}`).digest('hex');
    const existing = await this.deps.db.images.findByOperationKey(operationKey);
    if (existing) return { record: existing, reused: true };

    const encoded = req.unchanged
      ? { data, contentType: source.contentType, width: source.width, height: source.height }
      : await this.deps.images.run(data, { steps: req.steps, output: { format: format as OutputFormat } satisfies EncodeOptions }, call);
    try {
      const record = await this.deps.assets.store(
        {
          kind: 'processed',
          data: encoded.data,
          filename: derivedName(source.filename, req.processingType, format),
          declaredContentType: encoded.contentType,
          metadata: source.metadata,
          processing: { sourceImageId: source.id, processingType: req.processingType, params },
          operationKey,
          encoded: { contentType: encoded.contentType, width: encoded.width, height: encoded.height },
        },
        'result',
        call,
      );
      return { record, reused: false };
    } catch (e) {
      // Two identical requests raced: the other one stored it first.
      if (isAppError(e) && e.reason === 'DUPLICATE_KEY') {
        const winner = await this.deps.db.images.findByOperationKey(operationKey);
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
