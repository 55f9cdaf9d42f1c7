#!/usr/bin/env node
/**
 * The `coffer` executable: hands argv to the CLI and sets the exit code. Kept tiny so that
 * start-up cost is only what main.ts needs to declare the commands.
 */
import { main } from './main.js';

process.exitCode = await main(process.argv);
