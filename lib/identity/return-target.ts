// Where to send someone back after sign-in: only somewhere on Gatehouse itself.
// A leading-slash check is not enough: browsers read `/\evil.example`,
// `/<TAB>/evil.example` and `//evil.example` as other hosts (WHATWG URL treats
// `\` as `/` and drops tabs and newlines), so the candidate is parsed the way a
// browser would, against Gatehouse's origin, and kept only if the origin is
// still Gatehouse's. The answer is rebuilt from the parsed URL, never the raw input.

const MAX_LENGTH = 2048;

// URL.parse would do, but it is newer than the Node.js 20.9 that `engines` allows.
function parse(input: string, base: URL): URL | null {
  try {
    return new URL(input, base);
  } catch {
    return null;
  }
}

/** The path, query and fragment of `candidate` if it stays on `origin`; else `fallback`. */
export function safeReturnTarget(candidate: unknown, origin: string, fallback = '/'): string {
  if (typeof candidate !== 'string' || candidate === '' || candidate.length > MAX_LENGTH) return fallback;
  const base = new URL(origin);
  const url = parse(candidate, base);
  if (!url || url.origin !== base.origin) return fallback;
  const target = `${url.pathname}${url.search}${url.hash}`;
  // A path that itself begins with `//` (`/.//evil.example` normalises to one)
  // would name a host when followed: it must resolve to the very same URL.
  return parse(target, base)?.href === url.href ? target : fallback;
}
