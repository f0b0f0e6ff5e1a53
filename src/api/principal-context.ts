import { createContextKey } from '@connectrpc/connect';
import type { Principal } from '../auth/principal.js';

/**
 * Where the authentication interceptor leaves the call's principal; handlers read it through
 * callOptionsFrom and hand it to the cores, which never see headers.
 */
export const principalKey = createContextKey<Principal | undefined>(undefined, { description: 'the authenticated caller' });
