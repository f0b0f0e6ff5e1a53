export * from './generation-config.js';
export * from './image-generator.js';
export * from './model-registry.js';
export * from './styles.js';
export { callProvider, DEFAULT_HTTP_DEPS, type HttpDeps, type RetryPolicy, type AttemptEvent } from './http/call-provider.js';
export { PROCEDURAL_LABEL } from './providers/procedural.js';
