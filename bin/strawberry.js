#!/usr/bin/env node
// Entry point of the `strawberry` command: TypeScript sources run through tsx, no build step to forget.
require('tsx/cjs');
require('../cli/main.ts');
