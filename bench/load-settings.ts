import { numberFrom } from './settings.js';

export interface LoadSettings {
  /** Clients sending mixed traffic, each on its own connection, one call at a time. */
  clients: number;
  seconds: number;
  /** The bar for the server's peak resident memory. */
  maxRssMb: number;
  /** Health checks run this often on their own connection, from their own process. */
  healthIntervalMs: number;
  /** The bar: every health check answered within this. */
  healthBoundMs: number;
  /** Sockets kept open that send nothing or one byte, beside the clients. */
  idleSockets: number;
  /** How long an idle socket waits for the server to close it before it gives up and opens another. */
  idleHoldSeconds: number;
  /** Each call's deadline: a call past it counts as DEADLINE_EXCEEDED, which fails the bar. */
  deadlineSeconds: number;
}

/** `npm run bench:load` settings; every one from the environment, with the defaults below. */
export function loadSettings(): LoadSettings {
  return {
    clients: numberFrom('LOAD_CLIENTS', 64, 1, 4096, true),
    seconds: numberFrom('LOAD_SECONDS', 300, 1, 86_400, false),
    maxRssMb: numberFrom('LOAD_MAX_RSS_MB', 1536, 64, 1_048_576, true),
    healthIntervalMs: numberFrom('LOAD_HEALTH_INTERVAL_MS', 250, 10, 60_000, true),
    healthBoundMs: numberFrom('LOAD_HEALTH_BOUND_MS', 1000, 10, 60_000, true),
    idleSockets: numberFrom('LOAD_IDLE_SOCKETS', 16, 0, 10_000, true),
    idleHoldSeconds: numberFrom('LOAD_IDLE_HOLD_SECONDS', 75, 1, 3600, false),
    deadlineSeconds: numberFrom('LOAD_DEADLINE_SECONDS', 60, 1, 3600, false),
  };
}
