// One URL parser for Gatehouse and its verification library (see there why).
export { isUrl, parseUrl } from '../packages/verify/src/parse-url.ts';
