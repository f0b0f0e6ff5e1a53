import { toJsonString } from '@bufbuild/protobuf';
import { VariationConfigSchema, type VariationConfig } from '../../../gen/image/v1/operations_pb.js';
import { AppError, invalidArgument, isAppError } from '../../errors/index.js';
import type { PipelineSpec, PipelineStep } from '../../imaging/image-processor.js';
import type { VariationJob } from '../../services/processing-service.js';
import { checkLuts, type LutLimits } from './check-luts.js';
import { colorTransformationSteps } from './color-transformation-steps.js';
import { cropStep } from './crop-step.js';
import { encodeOptions } from './encode-options.js';
import { filterSteps } from './filter-steps.js';
import { resizeStep } from './resize-step.js';

/**
 * Every configuration of a ProcessingService.GenerateVariations request as a pool job, all validated
 * before any work starts. Errors name the configuration's index and id and the field.
 */
export function variationJobs(configs: VariationConfig[], inputFormat: string, limits: { maxVariations: number; maxDimension: number; luts: LutLimits }): VariationJob[] {
  if (configs.length === 0 || configs.length > limits.maxVariations) {
    throw invalidArgument('variation_configs', `1 to ${limits.maxVariations} configurations`, `${configs.length}`);
  }
  checkLuts(
    configs.map((config, i) => ({ transformations: config.colorTransform, field: `variation_configs[${i}].color_transform` })),
    'variation_configs',
    limits.luts,
  );
  const seen = new Set<string>();
  return configs.map((config, i) => {
    const at = `variation_configs[${i}]`;
    try {
      if (!config.id) throw invalidArgument(`${at}.id`, 'a non-empty id, unique within the request', config.id);
      if (seen.has(config.id)) throw invalidArgument(`${at}.id`, 'an id unique within the request', config.id);
      seen.add(config.id);
      let canonical: string | undefined;
      return {
        id: config.id,
        spec: variationSpec(config, inputFormat, at, limits.maxDimension),
        // Only the result cache reads it: not worth a JSON serialisation per request when it is off.
        get canonical() {
          const { id: _id, ...rest } = config;
          void _id;
          return (canonical ??= toJsonString(VariationConfigSchema, { ...rest, id: '', $typeName: 'image.v1.VariationConfig' }));
        },
      };
    } catch (e) {
      if (isAppError(e) && e.kind === 'invalid_argument') {
        // Name the configuration by its id too: that is how the caller knows it.
        throw new AppError(e.kind, `variation ${JSON.stringify(config.id)}: ${e.message}`, {
          reason: e.reason,
          violations: e.violations,
          metadata: { ...e.metadata, variation_id: config.id, variation_index: String(i) },
        });
      }
      throw e;
    }
  });
}

/**
 * One VariationConfig's operations and output as a pipeline, every field checked; `at` is the
 * configuration's field (`variation_configs[2]`, `config`), named in errors. An empty format keeps
 * `inputFormat`. The config's id is the caller's business.
 */
export function variationSpec(config: VariationConfig, inputFormat: string, at: string, maxDimension: number): PipelineSpec {
  const steps: PipelineStep[] = [];
  if (config.crop) steps.push(cropStep(config.crop, `${at}.crop.`));
  if (config.resize) steps.push(resizeStep(config.resize, `${at}.resize.`, maxDimension));
  steps.push(...colorTransformationSteps(config.colorTransform, `${at}.color_transform`));
  if (config.filter) steps.push(...filterSteps(config.filter, `${at}.filter`));
  return { steps, output: encodeOptions(config.format || inputFormat, config.exportOptions, at) };
}
