import type { ConnectRouter } from '@connectrpc/connect';
import { ImageService } from '../../gen/image/v1/image_service_pb.js';
import { ProcessingService } from '../../gen/image/v1/processing_service_pb.js';
import { Health } from '../../gen/grpc/health/v1/health_pb.js';
import { registerHealth, type HealthState } from './health.js';
import { registerImageService, type ImageServiceCores } from './image-service-routes.js';
import { registerProcessingService, type ProcessingCores } from './processing-service-routes.js';
import { registerReflection } from './reflection.js';

export const SERVED = [ImageService, ProcessingService, Health];

/** Every RPC route, shared by the server and the tests. */
export function routes(cores: ImageServiceCores & ProcessingCores, health: HealthState) {
  return (router: ConnectRouter) => {
    registerImageService(router, cores);
    registerProcessingService(router, cores);
    registerHealth(router, health);
    registerReflection(router, SERVED);
  };
}
