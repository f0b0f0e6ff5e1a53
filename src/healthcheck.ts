import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { Health, HealthCheckResponse_ServingStatus as Status } from '../gen/grpc/health/v1/health_pb.js';

/**
 * Container healthcheck: asks this instance's grpc.health.v1 over gRPC (the same check a gRPC-aware
 * load balancer makes) and exits 0 only when it answers SERVING. With TLS_CERT_FILE set the port speaks
 * TLS; the certificate names the public host, not 127.0.0.1, and this only asks the process beside it
 * whether it is up, so it is not verified.
 */
const port = process.env.PORT ?? '50051';
const secure = Boolean(process.env.TLS_CERT_FILE);
const client = createClient(
  Health,
  createGrpcTransport({ baseUrl: `${secure ? 'https' : 'http'}://127.0.0.1:${port}`, nodeOptions: secure ? { rejectUnauthorized: false } : undefined }),
);
try {
  const { status } = await client.check({ service: '' }, { timeoutMs: 3000 });
  if (status !== Status.SERVING) {
    console.error(`health: ${Status[status]}`);
    process.exit(1);
  }
} catch (e) {
  console.error(`health: ${(e as Error).message}`);
  process.exit(1);
}
