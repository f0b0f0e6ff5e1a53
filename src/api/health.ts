import type { ConnectRouter } from '@connectrpc/connect';
import { Code, ConnectError } from '@connectrpc/connect';
import { EventEmitter, on } from 'node:events';
import { Health, HealthCheckResponse_ServingStatus as Status } from '../../gen/grpc/health/v1/health_pb.js';

/** Serving status per service name ("" is the whole server), watched by grpc.health.v1.Watch. */
export class HealthState {
  private readonly statuses = new Map<string, Status>();
  private readonly events = new EventEmitter();

  constructor(serviceNames: string[]) {
    this.events.setMaxListeners(0);
    this.set('', Status.SERVING);
    for (const name of serviceNames) this.set(name, Status.SERVING);
  }

  set(service: string, status: Status): void {
    this.statuses.set(service, status);
    this.events.emit('change', service);
  }

  /** Marks everything NOT_SERVING, for shutdown: load balancers stop sending before we stop listening. */
  setAllNotServing(): void {
    for (const name of this.statuses.keys()) this.set(name, Status.NOT_SERVING);
  }

  get(service: string): Status | undefined {
    return this.statuses.get(service);
  }

  all(): Map<string, Status> {
    return new Map(this.statuses);
  }

  async *watch(service: string, signal: AbortSignal): AsyncGenerator<Status> {
    let last = this.get(service) ?? Status.SERVICE_UNKNOWN;
    yield last;
    try {
      for await (const [changed] of on(this.events, 'change', { signal })) {
        if (changed !== service) continue;
        const now = this.get(service) ?? Status.SERVICE_UNKNOWN;
        if (now !== last) {
          last = now;
          yield now;
        }
      }
    } catch (e) {
      if ((e as Error).name !== 'AbortError') throw e;
    }
  }
}

export function registerHealth(router: ConnectRouter, state: HealthState): void {
  router.service(Health, {
    check(req) {
      const status = state.get(req.service);
      if (status === undefined) throw new ConnectError(`unknown service ${JSON.stringify(req.service)}`, Code.NotFound);
      return { status };
    },
    list() {
      return { statuses: Object.fromEntries([...state.all()].map(([name, status]) => [name, { status }])) };
    },
    async *watch(req, ctx) {
      for await (const status of state.watch(req.service, ctx.signal)) yield { status };
    },
  });
}
