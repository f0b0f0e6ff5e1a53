import { describe, expect, it } from 'vitest';
import { Health } from '../../gen/grpc/health/v1/health_pb.js';
import { ServerReflection } from '../../gen/grpc/reflection/v1/reflection_pb.js';
import { ServerReflection as ServerReflectionAlpha } from '../../gen/grpc/reflection/v1alpha/reflection_pb.js';
import { ImageService } from '../../gen/image/v1/image_service_pb.js';
import { ProcessingService } from '../../gen/image/v1/processing_service_pb.js';
import { accessFor, IMAGE_SERVICE_SCOPES, isMutating, PROCESSING_SERVICE_SCOPES } from '../../src/api/rpc-scopes.js';
import { SCOPES } from '../../src/auth/principal.js';

describe('the scope table', () => {
  it('gives every method of both services, and nothing else, a scope', () => {
    for (const [service, table] of [[ImageService, IMAGE_SERVICE_SCOPES], [ProcessingService, PROCESSING_SERVICE_SCOPES]] as const) {
      expect(Object.keys(table).sort()).toEqual(service.methods.map((m) => m.localName).sort());
      for (const method of service.methods) {
        const access = accessFor(service.typeName, method.name, 'authenticated');
        expect([method.name, access]).toEqual([method.name, { scope: table[method.localName as keyof typeof table] }]);
        expect(SCOPES).toContain((access as { scope: string }).scope);
      }
    }
  });

  it('charges generation only to the RPCs that call a provider', () => {
    const generating = Object.entries(IMAGE_SERVICE_SCOPES).filter(([, s]) => s === 'images:generate').map(([m]) => m);
    expect(generating.sort()).toEqual(['generateImage', 'generateVariations', 'refineImage']);
    expect(Object.values(PROCESSING_SERVICE_SCOPES)).not.toContain('images:generate');
  });

  it('keeps health open, reflection as configured, and an unknown service for admins', () => {
    expect(accessFor(Health.typeName, 'Check', 'off')).toBe('open');
    for (const reflection of [ServerReflection, ServerReflectionAlpha]) {
      expect(accessFor(reflection.typeName, 'ServerReflectionInfo', 'public')).toBe('open');
      expect(accessFor(reflection.typeName, 'ServerReflectionInfo', 'authenticated')).toBe('authenticated');
      expect(accessFor(reflection.typeName, 'ServerReflectionInfo', 'off')).toBe('off');
    }
    expect(accessFor('image.v2.Unknown', 'Anything', 'public')).toEqual({ scope: 'admin' });
    expect(accessFor(ImageService.typeName, 'NotAMethod', 'public')).toEqual({ scope: 'admin' });
  });

  it('audits everything but reads', () => {
    expect(SCOPES.filter(isMutating)).toEqual(['images:write', 'images:delete', 'images:generate', 'admin']);
  });
});
