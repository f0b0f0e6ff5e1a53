import type { ConnectRouter } from '@connectrpc/connect';
import { ProcessingService as ProcessingServiceDesc, type ProcessBatchRequest } from '../../gen/image/v1/processing_service_pb.js';
import type { AssetService } from '../services/asset-service.js';
import { compositeSpec, resolveLayers } from './translate/composite-spec.js';
import type { ProcessingService } from '../services/processing-service.js';
import { callOptionsFrom } from './call-options-from.js';
import { toPbEncodedImage } from './encoded-image.js';
import { keptFormat } from '../imaging/image-formats.js';
import { sniffFormat } from '../imaging/sniff.js';
import { checkLuts, type LutLimits } from './translate/check-luts.js';
import { colorTransformationSteps } from './translate/color-transformation-steps.js';
import { encodeOptions } from './translate/encode-options.js';
import { resizeStep } from './translate/resize-step.js';
import { variationJobs } from './translate/variation-job.js';
import { analysisHandlers } from './analysis-handlers.js';
import type { AnalysisService } from '../services/analysis-service.js';
import type { RecolorService } from '../services/recolor-service.js';
import type { Logger } from '../util/logger.js';
import { toBatchItemError } from './batch-item-error.js';
import { requestLogger } from './call-context.js';
import { failureFields, failureLevel } from './error-interceptor.js';
import { toConnectError } from './to-connect-error.js';
import { batchItem } from './translate/batch-item.js';
import { requestBodyAccount } from './request-byte-budget.js';

export interface ProcessingCores {
  processing: ProcessingService;
  analysis: AnalysisService;
  recolor: RecolorService;
  /** Stored images used as composite layers. */
  assets: AssetService;
  maxVariations: number;
  maxOutputDimension: number;
  maxOutputPixels: number;
  maxCompositeLayers: number;
  /** How many `.cube` LUTs one request may carry, and how large each may be. */
  luts: LutLimits;
  /** For batch items that fail on the server's side: the call itself succeeds, so no interceptor sees them. */
  logger: Logger;
}

/** image.v1.ProcessingService: stateless bytes in, bytes out. */
export function registerProcessingService(router: ConnectRouter, cores: ProcessingCores): void {
  const { processing } = cores;
  router.service(ProcessingServiceDesc, {
    async *generateVariations(req, ctx) {
      const jobs = variationJobs(req.variationConfigs, keptFormat(sniffFormat(req.imageData)), { maxVariations: cores.maxVariations, maxDimension: cores.maxOutputDimension, luts: cores.luts });
      // The request's bytes are not read again here, so they may be handed to the worker instead of copied.
      const call = { ...callOptionsFrom(ctx), field: 'image_data', giveInput: true };
      for await (const result of processing.variations(req.imageData, jobs, req.cacheKey, call)) {
        yield { id: result.id, image: toPbEncodedImage(result.image), cached: result.cached };
      }
    },

    async applyColorTransformations(req, ctx) {
      checkLuts([{ transformations: req.transformations, field: 'transformations' }], 'transformations', cores.luts);
      const steps = colorTransformationSteps(req.transformations, 'transformations');
      const output = encodeOptions(req.format || keptFormat(sniffFormat(req.imageData)), req.exportOptions, '');
      // One task reads the request's only bytes field, and nothing here reads it after: hand it over.
      const image = await processing.run(req.imageData, { steps, output }, { ...callOptionsFrom(ctx), field: 'image_data', giveInput: true });
      return { image: toPbEncodedImage(image) };
    },

    async processForExport(req, ctx) {
      const steps = req.resize ? [resizeStep(req.resize, 'resize.', cores.maxOutputDimension)] : [];
      const output = encodeOptions(req.format, req.exportOptions, '');
      const image = await processing.run(req.imageData, { steps, output }, { ...callOptionsFrom(ctx), field: 'image_data', giveInput: true });
      return { image: toPbEncodedImage(image), qualityUsed: image.quality ?? 0, vectorTraced: image.vectorTraced, note: image.note ?? '' };
    },

    async createComposite(req, ctx) {
      // Every field is checked before any stored layer is read.
      const draft = compositeSpec(req, { maxLayers: cores.maxCompositeLayers, maxOutputPixels: cores.maxOutputPixels, maxOutputDimension: cores.maxOutputDimension });
      const spec = await resolveLayers(draft, (imageIds) => cores.assets.readMany(imageIds, 'layers', callOptionsFrom(ctx)));
      const image = await processing.composite(spec, callOptionsFrom(ctx));
      return { image: toPbEncodedImage(image) };
    },
    async *processBatch(requests, ctx) {
      // Each item's request bytes, given back to the byte budget once its result is out: a stream holds
      // only the items in flight (MAX_BATCH_IN_FLIGHT), however many it carries.
      const account = ctx.values.get(requestBodyAccount);
      const held = new Map<string, number>();
      const items = (async function* () {
        for await (const req of requests) {
          held.set(req.id, (held.get(req.id) ?? 0) + messageBytes(req));
          yield batchItem(req, { maxDimension: cores.maxOutputDimension, luts: cores.luts });
        }
      })();
      const logger = ctx.values.get(requestLogger) ?? cores.logger;
      for await (const result of processing.batch(items, callOptionsFrom(ctx))) {
        account?.settle(held.get(result.id) ?? 0);
        held.delete(result.id);
        if (result.image) {
          yield { id: result.id, result: { case: 'image', value: toPbEncodedImage(result.image) } };
          continue;
        }
        const failure = toConnectError(result.error);
        logger[failureLevel(failure)]({ rpc: 'image.v1.ProcessingService/ProcessBatch', item: result.id, ...failureFields(failure) }, 'batch item failed');
        yield { id: result.id, result: { case: 'error', value: toBatchItemError(failure) } };
      }
    },

    ...analysisHandlers(cores.analysis, cores.recolor),
  });
}

/** What a batch request's bytes cost to hold: its image, if it carries one (the rest is small change). */
function messageBytes(req: ProcessBatchRequest): number {
  return req.source.case === 'imageData' ? req.source.value.byteLength : 0;
}
