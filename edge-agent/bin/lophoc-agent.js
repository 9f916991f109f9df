#!/usr/bin/env node
// The compiled bundle when it is up to date, else the TypeScript sources through tsx (scripts/bin/launch-daemon.js).
import { launchDaemon } from '../../scripts/bin/launch-daemon.js';

await launchDaemon(import.meta.url);
