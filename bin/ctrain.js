#!/usr/bin/env node
// Runs the CLI compiled ahead into dist/ (scripts/build-cli.mjs). A cheap look at the sources'
// sizes and times says whether that build is current; when it is not, it is rebuilt first, so
// there is no build step to forget.
import process from 'node:process';
import { builtModule } from '../scripts/build-cli.mjs';

// Stack traces name the TypeScript lines (the build's source maps) when asked for.
if (process.env.CTRAIN_DEBUG === '1') process.setSourceMapsEnabled(true);
await import(await builtModule('cli/main.js'));
