// POST /oauth/token — RFC 6749 §3.2, OAuth 2.1 §3.2: authenticate the client, then
// dispatch on grant_type.
import { authenticateClient, type ClientCredentialsInput } from './client-auth.ts';
import { awaitingApprovalDescription, awaitsApproval } from './client-trust.ts';
import type { OAuthContext } from './context.ts';
import { checkDpopProof, invalidDpopProof } from './dpop.ts';
import { OAuthError, invalidRequest, unauthorizedClient } from './errors.ts';
import { exchangeAuthorizationCode } from './grants/authorization-code.ts';
import { issueClientCredentialsToken } from './grants/client-credentials.ts';
import { refreshAccessToken } from './grants/refresh-token.ts';
import type { TokenResponse } from './grants/token-response.ts';

export type FormParams = Record<string, string[]>;

/** One value per parameter (RFC 6749 §3.2: parameters MUST NOT be repeated), except `resource` (RFC 8707). */
export function singleValued(params: FormParams, repeatable: readonly string[] = ['resource']): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, values] of Object.entries(params)) {
    if (values.length > 1 && !repeatable.includes(name)) throw invalidRequest(`parameter ${name} must not be repeated`);
    out[name] = values[0];
  }
  return out;
}

export async function handleTokenRequest(
  ctx: OAuthContext,
  request: { authorization: string | null; form: FormParams; ip?: string | null; userAgent?: string | null; dpop?: string | null; method?: string },
): Promise<TokenResponse> {
  const body = singleValued(request.form);
  const input: ClientCredentialsInput = { authorization: request.authorization, body, ip: request.ip, userAgent: request.userAgent };
  const grantType = body.grant_type;
  if (!grantType) throw invalidRequest('grant_type is required');
  if (!['authorization_code', 'refresh_token', 'client_credentials'].includes(grantType)) {
    throw new OAuthError('unsupported_grant_type', `grant_type ${grantType.slice(0, 64)} is not supported`);
  }
  const client = await authenticateClient(ctx, input);
  // The client proved who it is but may not get tokens yet: RFC 6749 §5.2
  // unauthorized_client (invalid_client would make an MCP client register again).
  if (awaitsApproval(client, ctx.registrationPolicy)) throw unauthorizedClient(awaitingApprovalDescription(client));
  // Every grant takes a proof (RFC 9449 §5); a client registered for bound tokens must send one (§5.2).
  const dpop = await checkDpopProof(ctx, { proof: request.dpop ?? null, method: request.method ?? 'POST' });
  if (!dpop && client.metadata.dpop_bound_access_tokens === true) throw invalidDpopProof('this client must send a DPoP proof (dpop_bound_access_tokens)');
  const resource = request.form.resource;
  const meta = { ip: request.ip, userAgent: request.userAgent };
  switch (grantType) {
    case 'authorization_code':
      return exchangeAuthorizationCode(ctx, client, { code: body.code, redirect_uri: body.redirect_uri, code_verifier: body.code_verifier, resource, dpop }, meta);
    case 'refresh_token':
      return refreshAccessToken(ctx, client, { refresh_token: body.refresh_token, scope: body.scope, resource, dpop }, meta);
    default:
      return issueClientCredentialsToken(ctx, client, { scope: body.scope, resource, dpop });
  }
}
