// Marks tokens bound to a key their client holds (DPoP, RFC 9449): a copy of
// such a token is useless without the key. Shown on grants and tokens.
export function KeyBoundBadge() {
  return (
    <span className="ml-1 whitespace-nowrap rounded bg-emerald-100 px-1 text-xs text-emerald-900" title="Its tokens are bound to a key the application holds (DPoP): a copied token does not work without it." data-testid="key-bound">
      key-bound (DPoP)
    </span>
  );
}
