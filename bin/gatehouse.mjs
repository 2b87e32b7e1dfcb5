#!/usr/bin/env node
// `npx gatehouse <command>`: loads the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../lib/server/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
