import type { DescService } from '@bufbuild/protobuf';
import { ImageService } from '../../gen/image/v1/image_service_pb.js';
import { ProcessingService } from '../../gen/image/v1/processing_service_pb.js';
import { Health } from '../../gen/grpc/health/v1/health_pb.js';
import * as reflectionV1 from '../../gen/grpc/reflection/v1/reflection_pb.js';
import * as reflectionV1alpha from '../../gen/grpc/reflection/v1alpha/reflection_pb.js';
import type { Scope } from '../auth/principal.js';

/** Every method of a service, by its local name, to the scope it needs: the compiler keeps it complete. */
type ScopeTable<S extends DescService & { method: object }> = { readonly [K in keyof S['method']]: Scope };

/**
 * The one table of who may call what. `images:read` covers everything that changes nothing stored,
 * including the stateless ProcessingService (its only stored inputs are composite layers and batch
 * items read by id); `images:generate` is the RPCs that call a generation provider (and may cost money).
 */
export const IMAGE_SERVICE_SCOPES: ScopeTable<typeof ImageService> = {
  generateImage: 'images:generate',
  generateVariations: 'images:generate',
  refineImage: 'images:generate',
  listModels: 'images:read',
  generateColorPalette: 'images:write',
  generateMultiplePalettes: 'images:write',
  applyPaletteToImage: 'images:write',
  getPalette: 'images:read',
  listPalettes: 'images:read',
  resizeImage: 'images:write',
  cropImage: 'images:write',
  applyFilter: 'images:write',
  uploadImage: 'images:write',
  uploadImageStream: 'images:write',
  getImage: 'images:read',
  listImages: 'images:read',
  deleteImage: 'images:delete',
  getImageUrl: 'images:read',
  exportImage: 'images:read',
};

export const PROCESSING_SERVICE_SCOPES: ScopeTable<typeof ProcessingService> = {
  generateVariations: 'images:read',
  applyColorTransformations: 'images:read',
  createComposite: 'images:read',
  analyzeImage: 'images:read',
  generateAndApplyPalette: 'images:read',
  processForExport: 'images:read',
  processBatch: 'images:read',
};

/** What a call needs: a scope, any authenticated caller, nobody at all, or it is switched off. */
export type Access = { scope: Scope } | 'authenticated' | 'open' | 'off';

/** How server reflection is served outside development mode (REFLECTION). */
export type ReflectionAccess = 'public' | 'authenticated' | 'off';

const REFLECTION_SERVICES = new Set([reflectionV1.ServerReflection.typeName, reflectionV1alpha.ServerReflection.typeName]);

function byPath(service: DescService, table: Record<string, Scope>): [string, Scope][] {
  return service.methods.map((m) => [`${service.typeName}/${m.name}`, table[m.localName]]);
}

const SCOPE_BY_METHOD = new Map<string, Scope>([
  ...byPath(ImageService, IMAGE_SERVICE_SCOPES),
  ...byPath(ProcessingService, PROCESSING_SERVICE_SCOPES),
]);

/**
 * The access rule for one RPC ("image.v1.ImageService/GetImage"). Health is open so probes and load
 * balancers need no credentials; a service this table does not know needs admin, so a service added
 * without a rule fails closed.
 */
export function accessFor(service: string, method: string, reflection: ReflectionAccess): Access {
  const scope = SCOPE_BY_METHOD.get(`${service}/${method}`);
  if (scope) return { scope };
  if (service === Health.typeName) return 'open';
  if (REFLECTION_SERVICES.has(service)) return reflection === 'public' ? 'open' : reflection;
  return { scope: 'admin' };
}

/** Whether calls of this scope change something stored (and so get an audit line). */
export function isMutating(scope: Scope): boolean {
  return scope !== 'images:read';
}
