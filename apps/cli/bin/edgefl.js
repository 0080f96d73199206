#!/usr/bin/env node
// The `edgefl` command: runs the compiled CLI (`npm install` builds it).
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2));
