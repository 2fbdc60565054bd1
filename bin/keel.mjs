#!/usr/bin/env node
// The `keel` command (see `keel --help`); the implementation is lib/cli/main.ts.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
