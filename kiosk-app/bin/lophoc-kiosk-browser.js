#!/usr/bin/env node
// Runs the TypeScript sources directly (see docs/development.md, "Running TypeScript").
import { register } from 'tsx/esm/api';

register();
await import('../src/browser/main.ts');
