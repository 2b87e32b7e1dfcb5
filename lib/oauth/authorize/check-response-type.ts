// Only the authorization code flow exists in OAuth 2.1 (§4.1.1).
import { OAuthError, unauthorizedClient } from '../errors.ts';
import type { OAuthClient } from '../ports.ts';
import type { AuthorizationParams } from './request.ts';

export function checkResponseType(client: OAuthClient, params: AuthorizationParams): void {
  if (!params.response_type) throw new OAuthError('invalid_request', 'response_type is required');
  if (params.response_type !== 'code') throw new OAuthError('unsupported_response_type', 'only response_type=code is supported');
  if (!client.grantTypes.includes('authorization_code')) throw unauthorizedClient('this client may not use the authorization code flow');
}
