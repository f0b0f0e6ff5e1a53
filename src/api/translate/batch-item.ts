import { create } from '@bufbuild/protobuf';
import { VariationConfigSchema } from '../../../gen/image/v1/operations_pb.js';
import type { ProcessBatchRequest } from '../../../gen/image/v1/processing_service_pb.js';
import { invalidArgument } from '../../errors/index.js';
import type { BatchItem } from '../../services/process-batch.js';
import { keptFormat } from '../../imaging/image-formats.js';
import { sniffFormat } from '../../imaging/sniff.js';
import { checkLuts, type LutLimits } from './check-luts.js';
import { variationSpec } from './variation-job.js';

/**
 * One ProcessBatch request as a core item. Its configuration is checked once the input's bytes are at
 * hand (an empty format keeps the input's, which decides what the export options may hold), so a bad
 * one fails that item alone; errors name fields within the item (`config.resize.width`).
 */
export function batchItem(req: ProcessBatchRequest, limits: { maxDimension: number; luts: LutLimits }): BatchItem {
  const { source } = req;
  return {
    id: req.id,
    input: source.case === 'imageData' ? { data: source.value } : source.case === 'imageId' ? { imageId: source.value } : undefined,
    spec(input) {
      const config = req.config ?? create(VariationConfigSchema);
      // Refused rather than ignored: two ids for one item would leave the caller guessing which tags it.
      if (config.id) throw invalidArgument('config.id', "empty (the item's own id tags its result)", config.id);
      // An item is a request of its own for the LUT bounds.
      checkLuts([{ transformations: config.colorTransform, field: 'config.color_transform' }], 'config.color_transform', limits.luts);
      return variationSpec(config, keptFormat(sniffFormat(input)), 'config', limits.maxDimension);
    },
  };
}
