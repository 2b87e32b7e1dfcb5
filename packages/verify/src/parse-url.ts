// WHATWG URL parsing that answers null instead of throwing. Not URL.canParse:
// on Node.js 20 its optimised fast path answers false for some valid URLs
// with a non-ASCII host (`https://é.example/`, `//é`) once its call site is
// hot, while `new URL` parses them (tests/static/url-parsing.test.ts). Nor
// URL.parse, which Node.js 20 has only from 20.18.
export function parseUrl(value: string, base?: string): URL | null {
  try {
    return new URL(value, base);
  } catch {
    return null;
  }
}

export function isUrl(value: string, base?: string): boolean {
  return parseUrl(value, base) !== null;
}
