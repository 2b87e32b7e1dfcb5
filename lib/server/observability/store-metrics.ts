// The OAuth store, counted: security events (auth failures by reason, code
// replays, refresh-token reuse) and the tokens each grant issued. Wraps the
// store rather than the protocol core, which stays free of metrics.
import type { IssuedTokens, OAuthStore } from '../../oauth/ports.ts';
import { countSecurityEvent, countTokensIssued, type IssuingGrant } from './hooks.ts';

function countIssued(issued: IssuedTokens, grantType: IssuingGrant): void {
  countTokensIssued('access', grantType);
  if (issued.refreshToken) countTokensIssued('refresh', grantType);
}

export function instrumentOAuthStore(store: OAuthStore): OAuthStore {
  return {
    ...store,
    async recordSecurityEvent(event) {
      // Counted even if storing the event fails: it happened.
      countSecurityEvent(event);
      return store.recordSecurityEvent(event);
    },
    async revokeFamily(familyId, reason, at, event) {
      if (event) countSecurityEvent(event);
      return store.revokeFamily(familyId, reason, at, event);
    },
    async revokeAccessToken(jti, at, event) {
      if (event) countSecurityEvent(event);
      return store.revokeAccessToken(jti, at, event);
    },
    async redeemAuthorizationCode(codeId, at, issued) {
      const outcome = await store.redeemAuthorizationCode(codeId, at, issued);
      if (outcome === 'redeemed') countIssued(issued, 'authorization_code');
      return outcome;
    },
    async rotateRefreshToken(tokenId, at, retryCipher, issued) {
      const outcome = await store.rotateRefreshToken(tokenId, at, retryCipher, issued);
      if (outcome === 'rotated') countIssued(issued, 'refresh_token');
      return outcome;
    },
    async insertAccessToken(token) {
      await store.insertAccessToken(token);
      countTokensIssued('access', token.kind === 'client_credentials' ? 'client_credentials' : 'other');
    },
    async insertRefreshToken(token) {
      await store.insertRefreshToken(token);
      countTokensIssued('refresh', 'other');
    },
  };
}
