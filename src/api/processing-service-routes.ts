import type { ConnectRouter } from '@connectrpc/connect';
import { ProcessingService } from '../../gen/image/v1/processing_service_pb.js';
import { notImplemented } from '../errors/index.js';

const later = (rpc: string, what: string) => () => {
  throw notImplemented(rpc, what);
};

/** image.v1.ProcessingService: stateless bytes in, bytes out. */
export function registerProcessingService(router: ConnectRouter): void {
  router.service(ProcessingService, {
    async *generateVariations() {
      throw notImplemented('GenerateVariations', 'stateless variations arrive with the processing work (issue 3)');
    },
    applyColorTransformations: later('ApplyColorTransformations', 'colour transformations arrive with the processing work (issue 3)'),
    createComposite: later('CreateComposite', 'composites arrive with the processing work (issue 3)'),
    analyzeImage: later('AnalyzeImage', 'image analysis arrives with the colour work (issue 4)'),
    generateAndApplyPalette: later('GenerateAndApplyPalette', 'theme palettes arrive with the colour work (issue 4)'),
    processForExport: later('ProcessForExport', 'export with per-format options arrives with the processing work (issue 3)'),
  });
}
