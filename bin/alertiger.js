#!/usr/bin/env node
// The package's entrypoint: runs the compiled CLI (built by `npm ci` through the prepare script).
import { main } from '../dist/operator/src/cli.js';

process.exitCode = await main(process.argv.slice(2));
